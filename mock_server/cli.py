"""The ``sms-mock`` command: serve the simulator, check scenario files."""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import signal
import sys
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from types import FrameType
from typing import Any

from mock_server import __version__
from mock_server.engine.clock import CLOCK_MODES
from mock_server.engine.persistence import StateFileError
from mock_server.engine.scenarios import ScenarioError, ScenarioLibrary
from mock_server.engine.worlds import WorldLimits
from mock_server.heap import Heap
from mock_server.services import SERVICES
from mock_server.serving import ServerLimits
from mock_server.shell import add_commands as add_shell_commands
from mock_server.shell import negative_durations_as_values

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
SERVE_THREADS = 8
TOKEN_VARIABLE = "SMS_MOCK_CONTROL_TOKEN"  # the control token, when no option names one
CONTAINER_VARIABLE = "SMS_MOCK_CONTAINER"  # set in the image: a refusal says docker's way


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sms-mock",
        description="A contract-testing simulator of the sms4sats and smsVerificationService APIs.",
    )
    parser.add_argument("--version", action="version", version=f"sms-mock {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    serve = commands.add_parser("serve", help="serve both APIs and the control API on one port")
    serve.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to bind (default {DEFAULT_HOST})"
    )
    serve.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port (default {DEFAULT_PORT}; 0 picks a free one)",
    )
    serve.add_argument(
        "--scenario", default="default", help="scenario name or path (default: default)"
    )
    serve.add_argument("--clock", choices=CLOCK_MODES, help="override the scenario's clock mode")
    serve.add_argument("--seed", type=int, help="override the scenario's seed")
    serve.add_argument(
        "--strict", action="store_true", help="check every response against the descriptions"
    )
    serve.add_argument(
        "--threads",
        type=int,
        default=SERVE_THREADS,
        help=f"threads answering control calls (default {SERVE_THREADS}); the APIs are answered"
        " on the event loop",
    )
    token = serve.add_mutually_exclusive_group()
    token.add_argument(
        "--control-token",
        help="the control API then demands Authorization: Bearer TOKEN (required off loopback;"
        f" visible in ps: prefer --control-token-file or ${TOKEN_VARIABLE})",
    )
    token.add_argument(
        "--control-token-file",
        metavar="PATH",
        help="read the control token from this file (its first line)",
    )
    serve.add_argument(
        "--insecure-control",
        action="store_true",
        help="serve off loopback with an open control API",
    )
    serve.add_argument(
        "--callback-host",
        action="append",
        default=[],
        metavar="HOST",
        help="a host callbacks and webhooks may go to, besides loopback (repeatable)",
    )
    limits = ServerLimits()
    serve.add_argument(
        "--connection-limit",
        type=int,
        default=limits.connection_limit,
        help=f"connections at once (default {limits.connection_limit})",
    )
    serve.add_argument(
        "--idle-timeout",
        type=int,
        default=limits.idle_timeout,
        metavar="SECONDS",
        help=f"close a connection idle this long (default {limits.idle_timeout})",
    )
    serve.add_argument(
        "--request-timeout",
        type=int,
        default=limits.request_timeout,
        metavar="SECONDS",
        help="close a connection whose request has not arrived whole this long after its first"
        f" byte (default {limits.request_timeout})",
    )
    serve.add_argument(
        "--gc",
        choices=("frozen", "default"),
        default="frozen",
        help="frozen (default): long-lived state is kept out of the garbage collector's full"
        " passes (no stalls as orders pile up); default: CPython's own collection",
    )
    worlds = WorldLimits()
    serve.add_argument(
        "--worlds",
        choices=("auto", "explicit"),
        default="auto",
        help="auto: a request to an unknown world creates it (default); explicit: only"
        " POST /_mock/worlds does, and a request to an unknown world is a 404",
    )
    serve.add_argument(
        "--max-worlds",
        type=int,
        default=worlds.max_worlds,
        metavar="N",
        help=f"worlds at most, default included (default {worlds.max_worlds})",
    )
    serve.add_argument(
        "--world-ttl",
        type=float,
        default=worlds.idle_seconds,
        metavar="SECONDS",
        help="drop a world (but default) idle this long, in wall time"
        f" (default {worlds.idle_seconds:g})",
    )
    serve.add_argument(
        "--world-journal-bytes",
        type=int,
        default=worlds.journal_bytes,
        metavar="BYTES",
        help="the journal of each world but default keeps at most this much"
        f" (default {worlds.journal_bytes})",
    )
    serve.add_argument(
        "--world-callback-bytes",
        type=int,
        default=worlds.callback_bytes,
        metavar="BYTES",
        help="the callback log of each world but default keeps at most this much"
        f" (default {worlds.callback_bytes})",
    )
    serve.add_argument(
        "--state",
        metavar="PATH",
        help="keep all state in this SQLite file and carry on from it after a restart"
        " (default: in memory only)",
    )
    serve.set_defaults(run=_serve)

    add_shell_commands(commands)

    drift = commands.add_parser(
        "drift",
        help="compare a real service (or any URL) with its description; opt-in, never in CI",
    )
    _add_service_options(drift)
    drift.set_defaults(run=_drift)

    contract = commands.add_parser(
        "contract",
        help="run the CI suite's schemathesis checks against a real service (or any URL);"
        " spend-safe by default",
    )
    _add_service_options(contract)
    contract.add_argument(
        "--max-requests", type=int, default=300, help="send at most this many (default 300)"
    )
    contract.add_argument(
        "--per-minute",
        type=float,
        help="pace (default 60; 50 for smsverify, whose limit is 60 a minute)",
    )
    contract.add_argument("--seed", type=int, help="schemathesis' seed, to run the same again")
    contract.set_defaults(run=_contract)

    scenarios = commands.add_parser("scenarios", help="list or check scenario files")
    actions = scenarios.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    check = actions.add_parser("check", help="validate scenario files (default: the whole library)")
    check.add_argument("paths", nargs="*", help="scenario files or names")
    check.set_defaults(run=_check_scenarios)
    listing = actions.add_parser("list", help="list the scenarios in the library")
    listing.set_defaults(run=_list_scenarios)
    reference = actions.add_parser("reference", help="print the scenario reference (Markdown)")
    reference.set_defaults(run=_scenario_reference)
    return parser


def _add_service_options(parser: argparse.ArgumentParser) -> None:
    """What drift and contract share: which service, its key, what it may cost, the reports."""
    parser.add_argument("--api", required=True, choices=tuple(SERVICES))
    parser.add_argument(
        "--base-url",
        help="default: the real service ("
        + " or ".join(s.real_url for s in SERVICES.values())
        + "); the host root or the API's own root (its /api/v1) both work",
    )
    parser.add_argument(
        "--api-key",
        help="the API's key (default: "
        + " / ".join(f"${s.key_variable}" for s in SERVICES.values())
        + ")",
    )
    parser.add_argument(
        "--allow-orders", action="store_true", help="create sms4sats orders (unpaid invoices only)"
    )
    parser.add_argument(
        "--allow-spend", action="store_true", help="allow calls that debit a balance or wallet"
    )
    parser.add_argument("--max-spend", default="0", help="stop spending at this much (sats or USD)")
    parser.add_argument("--report", help="also write PATH.xml (JUnit) and PATH.md")


def main(argv: Sequence[str] | None = None) -> int:
    given = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(negative_durations_as_values(given))
    return int(args.run(args) or 0)


def _serve(args: argparse.Namespace) -> int:
    from mock_server.app import create_app, worlds_of
    from mock_server.serving import create_server

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if args.max_worlds < 1 or not args.world_ttl > 0:
        print("sms-mock: --max-worlds must be at least 1 and --world-ttl above 0", file=sys.stderr)
        return 2
    if min(args.world_journal_bytes, args.world_callback_bytes) < 1024:
        print("sms-mock: a world's journal and callbacks need at least 1024 bytes", file=sys.stderr)
        return 2
    try:
        control_token = _control_token(args)
    except ValueError as exc:
        print(f"sms-mock: {exc}", file=sys.stderr)
        return 2
    if not _is_loopback(args.host) and not (control_token or args.insecure_control):
        print(_open_control_refused(args.host), file=sys.stderr)
        return 2
    try:
        app = create_app(
            args.scenario,
            args.clock,
            seed=args.seed,
            strict=args.strict,
            callback_hosts=set(args.callback_host),
            control_token=control_token,
            state=args.state,
            worlds=WorldLimits(
                max_worlds=args.max_worlds,
                idle_seconds=args.world_ttl,
                explicit=args.worlds == "explicit",
                journal_bytes=args.world_journal_bytes,
                callback_bytes=args.world_callback_bytes,
            ),
        )
    except ScenarioError as exc:
        print(f"sms-mock: cannot load scenario: {exc}", file=sys.stderr)
        return 2
    except StateFileError as exc:
        print(f"sms-mock: cannot use the state file: {exc}", file=sys.stderr)
        return 2
    worlds = worlds_of(app)
    sim = worlds.default
    try:
        server = create_server(
            app,
            host=args.host,
            port=args.port,
            threads=args.threads,
            limits=ServerLimits(args.connection_limit, args.idle_timeout, args.request_timeout),
            heap=Heap() if args.gc == "frozen" else None,
        )
    except OSError as exc:
        print(
            f"sms-mock: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return 2
    base = f"http://{_url_host(args.host)}:{server.effective_port}"
    print(f"sms-mock {__version__} serving on {base}")
    for service in SERVICES.values():
        print(f"  {service.title + ':':<23} {base}{service.root}")
    print(f"  {'control API:':<23} {base}/_mock/")
    print(f"  {'dashboard:':<23} {base}/_mock/ui")
    scenario = sim.scenario
    print(
        f"  scenario: {scenario.name} ({scenario.source}), clock {sim.clock.mode}, seed {sim.seed}"
    )
    if args.state:
        print(f"  state: {args.state} ({'carried on from it' if sim.restored else 'new'})")
    print(
        f"  worlds: {base}/worlds/NAME/... or X-Mock-World: NAME ({args.worlds}, at most"
        f" {args.max_worlds}, dropped after {args.world_ttl:g} s idle)"
    )
    print("Press Ctrl-C to stop.", flush=True)

    def _terminate(signum: int, frame: FrameType | None) -> None:
        worlds.release_held()  # held requests answer now rather than after their wait
        server.close()

    # Installed explicitly: a server started in the background of a script inherits SIGINT ignored.
    signal.signal(signal.SIGINT, _terminate)
    signal.signal(signal.SIGTERM, _terminate)
    worlds.start()
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        worlds.close()
        server.close()
    print("sms-mock stopped.", flush=True)
    return 0


def _drift(args: argparse.Namespace) -> int:
    from mock_server.drift import report
    from mock_server.drift.runner import run_drift

    def run(common: dict[str, Any]) -> tuple[object, bool]:
        found = run_drift(args.api, args.base_url, **common)
        return found, bool(found.differences)

    return _against_service(args, run, report)


def _contract(args: argparse.Namespace) -> int:
    import importlib.util

    if importlib.util.find_spec("schemathesis") is None:
        print(
            "sms-mock: contract runs schemathesis, which is not installed:"
            " pip install 'sms-mock[contract]' (in a clone: pip install '.[contract]')",
            file=sys.stderr,
        )
        return 2
    from mock_server.contract import report
    from mock_server.contract.runner import run_contract

    def run(common: dict[str, Any]) -> tuple[object, bool]:
        found = run_contract(
            args.api,
            args.base_url,
            **common,
            max_requests=args.max_requests,
            per_minute=args.per_minute,
            seed=args.seed,
        )
        return found, bool(found.failed)

    return _against_service(args, run, report)


def _against_service(
    args: argparse.Namespace,
    run: Callable[[dict[str, Any]], tuple[Any, bool]],
    report: Any,
) -> int:
    """Run drift or contract with the key and the spending limit, print and write the reports:
    exit 1 when something differs, 2 when the service cannot be reached."""
    from decimal import InvalidOperation

    from mock_server.drift.runner import Unreachable

    key = args.api_key or os.environ.get(SERVICES[args.api].key_variable)
    try:
        limit = Decimal(args.max_spend)
    except InvalidOperation:
        print(f"sms-mock: --max-spend {args.max_spend!r} is not a number", file=sys.stderr)
        return 2
    common = {
        "api_key": key,
        "allow_orders": args.allow_orders,
        "allow_spend": args.allow_spend,
        "max_spend": limit,
    }
    try:
        found, failed = run(common)
    except Unreachable as exc:
        print(f"sms-mock: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(report.console(found))
    if args.report:
        _write_reports(args.report, report.junit(found), report.markdown(found))
    return 1 if failed else 0


def _write_reports(path: str, junit: str, markdown: str) -> None:
    base = Path(path).with_suffix("")
    base.parent.mkdir(parents=True, exist_ok=True)
    base.with_suffix(".xml").write_text(junit, encoding="utf-8")
    base.with_suffix(".md").write_text(markdown, encoding="utf-8")
    print(f"reports: {base.with_suffix('.xml')} {base.with_suffix('.md')}")


def _control_token(args: argparse.Namespace) -> str | None:
    """The control token: --control-token, else the first line of --control-token-file, else
    $SMS_MOCK_CONTROL_TOKEN; None when none is given. An empty one is refused."""
    if args.control_token is not None:
        token: str | None = args.control_token
    elif args.control_token_file is not None:
        try:
            text = Path(args.control_token_file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError(f"cannot read --control-token-file: {exc}") from None
        token = text.splitlines()[0].strip() if text.strip() else ""
    else:
        token = os.environ.get(TOKEN_VARIABLE)
        if token is None:
            return None
    if not token:
        raise ValueError("the control token is empty")
    return token


def _open_control_refused(host: str) -> str:
    """Why ``serve`` will not open the control API to the network, and the two ways on."""
    if os.environ.get(CONTAINER_VARIABLE):  # the image's entry point serves on 0.0.0.0
        return (
            "sms-mock: this container serves on 0.0.0.0, which would open the control API"
            " (reset, accounts, the clock) to the network. Give it a token: docker run -e"
            f" {TOKEN_VARIABLE}=<token> ... (clients send Authorization: Bearer <token>); or"
            " accept an open control API: add --insecure-control after the image name."
        )
    return (
        f"sms-mock: serving on {host} exposes the control API (reset, accounts, the clock)"
        f" beyond this machine; give --control-token TOKEN (or set {TOKEN_VARIABLE}), or"
        " --insecure-control to accept that"
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", ""):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def _check_scenarios(args: argparse.Namespace) -> int:
    """Each file as the server would take it: the schema, then the APIs (catalogs, and fault
    rules against the descriptions), so a rule that could never fire fails here, not later."""
    from mock_server.app import create_app, simulation_of

    library = ScenarioLibrary()
    targets = args.paths or [str(p) for p in sorted(library.folder.glob("*.yaml"))]
    sim = simulation_of(create_app("contract", "virtual"))
    failed = 0
    for target in targets:
        try:
            scenario = library.load(target)
            sim.check_scenario(scenario)
        except ScenarioError as exc:
            failed += 1
            print(f"FAIL {target}\n" + "\n".join(f"  {line}" for line in str(exc).splitlines()))
            continue
        print(f"ok   {Path(scenario.source)}  ({scenario.name})")
    print(f"{len(targets) - failed} valid, {failed} invalid")
    return 1 if failed else 0


def _list_scenarios(args: argparse.Namespace) -> int:
    library = ScenarioLibrary()
    for name in library.names():
        scenario = library.load(name)
        print(f"{name:20} {scenario.description.splitlines()[0] if scenario.description else ''}")
    return 0


def _scenario_reference(args: argparse.Namespace) -> int:
    from mock_server.engine.scenario_reference import render

    sys.stdout.write(render())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
