"""The dashboard at /_mock/ui (openapi/dashboard.yaml): a page served by the simulator itself.

Server-rendered with Jinja (Flask's), with a script of its own that polls the control API and
calls it for every action: the page is one more client of the control API, nothing special. No
build step, no CDN: the page, its script and its stylesheet ship in this package. They hold no
state, so they are served without the control token; the script asks for it when the control
API says it is needed, and sends it.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from jinja2 import Environment, PackageLoader, select_autoescape

from mock_server import __version__
from mock_server.control import handlers
from mock_server.engine.errors import NotFound
from mock_server.services import SERVICES
from mock_server.spec.api import ApiDefinition, ApiRequest, Reply

ASSETS = {"dashboard.js": "text/javascript; charset=utf-8", "dashboard.css": "text/css"}
# The page may load nothing from anywhere but this server, and run no inline script.
SECURITY = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


@cache
def _templates() -> Environment:
    return Environment(
        loader=PackageLoader("mock_server.control", "ui"), autoescape=select_autoescape()
    )


@cache
def _asset(name: str) -> str:
    return resources.files("mock_server.control").joinpath("ui", name).read_text("utf-8")


def get_dashboard(req: ApiRequest) -> Reply:
    page = (
        _templates()
        .get_template("dashboard.html")
        .render(
            world=req.sim.name,
            version=__version__,
            apis=[(name, s.title) for name, s in SERVICES.items()],
        )
    )
    return Reply(None, raw=page, headers={"Content-Type": "text/html; charset=utf-8", **SECURITY})


def get_dashboard_asset(req: ApiRequest) -> Reply:
    name = req.path["name"]
    if name not in ASSETS:  # the description allows only these; kept as a second lock
        raise NotFound(f"no such file: {name}")
    return Reply(None, raw=_asset(name), headers={"Content-Type": ASSETS[name], **SECURITY})


DASHBOARD_API = ApiDefinition(
    name="dashboard",
    spec_file="dashboard.yaml",
    handlers={"getDashboard": get_dashboard, "getDashboardAsset": get_dashboard_asset},
    render_error=handlers.render_error,
    prefix="/_mock/ui",
    simulated=False,  # not journaled, no faults: the page's requests are not the APIs'
)
