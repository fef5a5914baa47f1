"""How long the pytest plugin's server takes from nothing to its first answered request.

Run by hand: ``python -m benchmarks.plugin_startup``. Measures, first, what a user sees: the
setup time pytest reports for the first test that asks for ``sms_mock``, in a real pytest
session with every plugin this environment installs loaded (hypothesis, schemathesis, xdist);
then what the session fixture does in a bare process (create the app on the virtual clock,
serve it on a free port in a thread, answer GET /_mock/health); then what each test costs: its
world created (as the ``sms_mock`` fixture does) and dropped, beside the reset of one shared
world that the plugin did before worlds.
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from mock_server.app import create_app
from mock_server.testing import ControlClient
from mock_server.testing.server import serving


def once() -> tuple[float, float, float]:
    started = time.perf_counter()
    app = create_app("default", clock="virtual")
    with serving(app) as url:
        with urllib.request.urlopen(f"{url}/_mock/health", timeout=5) as response:
            response.read()
        first = time.perf_counter() - started
        client = ControlClient(url)
        started = time.perf_counter()
        client.create_world("a-test", "default", clock="virtual")
        client.drop_world("a-test")
        world = time.perf_counter() - started
        started = time.perf_counter()
        client.reset("default")
        reset = time.perf_counter() - started
    return first, world, reset


COLD = """
import time, urllib.request
import pytest  # loaded already when pytest imports its plugins: not the plugin's cost
t0 = time.perf_counter()
import mock_server.testing.plugin  # what pytest imports when it starts (the pytest11 entry point)
t1 = time.perf_counter()
from mock_server.app import create_app  # what the session fixture does, imports included
from mock_server.testing.server import serving
with serving(create_app("default", clock="virtual")) as url:
    urllib.request.urlopen(url + "/_mock/health", timeout=5).read()
    t2 = time.perf_counter()
print(f"{(t1 - t0) * 1000:.0f} {(t2 - t1) * 1000:.0f}")
"""


def cold() -> tuple[float, float]:
    """A fresh process: (importing the plugin at pytest start, the fixture's first answer) in ms."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", COLD], capture_output=True, text=True, check=True)
    imported, first = out.stdout.split()
    return float(imported), float(first)


A_TEST = """
def test_an_order(sms_mock):
    assert sms_mock.health()["status"] == "ok"
"""


def in_pytest() -> tuple[float, str]:
    """The setup time pytest reports for the first ``sms_mock`` test (s), and the plugins."""
    with tempfile.TemporaryDirectory() as folder:
        test = Path(folder) / "test_first.py"
        test.write_text(A_TEST)
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                str(test),
                "--durations=0",
                "-vv",
                "-p",
                "no:cacheprovider",
            ],
            capture_output=True,
            text=True,
            cwd=folder,
        ).stdout
    setup = re.search(r"^([\d.]+)s setup\s+.*test_an_order", out, re.MULTILINE)
    plugins = re.search(r"^plugins: (.*)$", out, re.MULTILINE)
    if setup is None:
        raise SystemExit(f"pytest did not report the setup time:\n{out[-2000:]}")
    return float(setup.group(1)), plugins.group(1) if plugins else "?"


def main() -> None:
    sessions = [in_pytest() for _ in range(5)]
    setups = sorted(s[0] for s in sessions)
    print(f"in a pytest session (plugins: {sessions[0][1]}):")
    print(
        f"  the first sms_mock test's setup: median {statistics.median(setups) * 1000:.0f} ms,"
        f" max {setups[-1] * 1000:.0f} ms (target 500 ms)"
    )
    colds = [cold() for _ in range(3)]
    imported = statistics.median(c[0] for c in colds)
    answered = statistics.median(c[1] for c in colds)
    print(f"cold process: importing the plugin {imported:.0f} ms (at pytest start),")
    print(f"              fixture to first answered request {answered:.0f} ms")
    runs = [once() for _ in range(10)]
    firsts, worlds, resets = [r[0] for r in runs], [r[1] for r in runs], [r[2] for r in runs]
    print(
        f"server start to first answered request: median {statistics.median(firsts) * 1000:.0f} ms,"
        f" max {max(firsts) * 1000:.0f} ms"
    )
    print(
        f"a test's world, created and dropped: median {statistics.median(worlds) * 1000:.1f} ms"
        f" (anchor: a reset of the default world, {statistics.median(resets) * 1000:.1f} ms)"
    )


if __name__ == "__main__":
    main()
