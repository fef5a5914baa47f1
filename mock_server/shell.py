"""Shell commands that drive a running simulator through its control API."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from mock_server.engine.scenarios import INLINE
from mock_server.services import SERVICES
from mock_server.testing.client import (
    DEFAULT_URL,
    ControlClient,
    ControlError,
    SimulatorUnavailable,
)

URL_VARIABLE = "SMS_MOCK_URL"
WORLD_VARIABLE = "SMS_MOCK_WORLD"
CALLBACK_STATES = ("pending", "delivered", "failed", "refused", "dropped")
NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?")
Command = Callable[[ControlClient, argparse.Namespace], Any]


def negative_durations_as_values(argv: list[str]) -> list[str]:
    """``advance -5s`` would read ``-5s`` as an unknown option: keep it a value, so the
    command can say why the clock does not go back."""
    if argv[:1] != ["advance"]:
        return argv
    return [
        f" {a}" if re.fullmatch(r"-[0-9.].*", a) and before not in ("--url", "--token") else a
        for before, a in zip(["", *argv], argv, strict=False)
    ]


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    health = commands.add_parser(
        "health",
        help="is the simulator up: its version, scenario and clock (exit 0; 1 when the control"
        " API refuses the token; 2 when nothing answers)",
    )
    _register(health, lambda client, args: client.health(), _show_health)

    pay = commands.add_parser("pay", help="pay a hold invoice with the simulated wallet")
    pay.add_argument("payreq", help="the BOLT11 payment request (lnbc...)")
    _register(pay, _pay, _show_invoice)

    advance = commands.add_parser(
        "advance", help="move the clock forward (90, 90s, 20m, 1h30m, 2d)"
    )
    advance.add_argument(
        "duration",
        help="how far: seconds (90, 0.5) or a duration (90s, 20m, 1h30m, 2d); never backwards",
    )
    _register(advance, _advance, _show_clock)

    deliver = commands.add_parser(
        "deliver",
        help="deliver a code (sms4sats order id) or an SMS (smsVerificationService order id)",
    )
    deliver.add_argument("order_id")
    deliver.add_argument(
        "code", nargs="?", help="the code or OTP (default: six digits from the seed)"
    )
    _register(deliver, _deliver, _show_mapping)

    journal = commands.add_parser("requests", help="the request journal")
    journal.add_argument("--api", choices=tuple(SERVICES))
    journal.add_argument("--method")
    journal.add_argument("--path", help="an exact path or a glob (/api/v1/order/*)")
    journal.add_argument("--operation", help="an operationId (getOrderStatus)")
    journal.add_argument("--limit", type=int, help="the newest N")
    _register(journal, _requests, _show_requests, as_json=lambda answer: answer["requests"])

    callbacks = commands.add_parser(
        "callbacks", help="the callbacks and webhooks sent, with their attempts"
    )
    callbacks.add_argument("--api", choices=tuple(SERVICES))
    callbacks.add_argument("--state", choices=CALLBACK_STATES)
    _register(callbacks, _callbacks, _show_callbacks)

    scenario = commands.add_parser(
        "scenario",
        help="show the scenario in force, or switch to NAME or to a YAML file (keeping state)",
    )
    scenario.add_argument(
        "name",
        nargs="?",
        help="a scenario of the server's library, or a YAML file here (its content is sent)",
    )
    scenario.add_argument("--reset", action="store_true", help="start afresh in it instead")
    _register(scenario, _scenario, _show_scenario)

    worlds = commands.add_parser("worlds", help="list the server's worlds, or create or drop one")
    what = worlds.add_mutually_exclusive_group()
    what.add_argument("--create", metavar="NAME", help="create the world NAME")
    what.add_argument("--drop", metavar="NAME", help="drop the world NAME and all in it")
    worlds.add_argument("--scenario", help="with --create: its scenario (default: the server's)")
    worlds.add_argument("--seed", type=int, help="with --create: its seed")
    worlds.add_argument("--clock", choices=("real", "virtual"), help="with --create: its clock")
    _register(worlds, _worlds, _show_worlds, with_world=False)


def _register(
    parser: argparse.ArgumentParser,
    command: Command,
    show: Callable[[Any], str],
    as_json: Callable[[Any], Any] = lambda answer: answer,
    *,
    with_world: bool = True,
) -> None:
    default = os.environ.get(URL_VARIABLE, DEFAULT_URL)
    parser.add_argument(
        "--url", default=default, help=f"the simulator (${URL_VARIABLE}, or {DEFAULT_URL})"
    )
    if with_world:
        parser.add_argument(
            "--world",
            default=os.environ.get(WORLD_VARIABLE) or None,
            help=f"the world to act in (${WORLD_VARIABLE}; default: the world 'default')",
        )
    parser.add_argument("--json", action="store_true", help="print the answer as JSON")
    parser.add_argument(
        "--token",
        help="the server's control token (default $SMS_MOCK_TOKEN, else $SMS_MOCK_CONTROL_TOKEN)",
    )
    parser.set_defaults(run=lambda args: _run(command, show, as_json, args))


def _run(
    command: Command,
    show: Callable[[Any], str],
    as_json: Callable[[Any], Any],
    args: argparse.Namespace,
) -> int:
    try:
        client = ControlClient(args.url, token=args.token, world=getattr(args, "world", None))
        answer = command(client, args)
    except SimulatorUnavailable as exc:
        print(f"sms-mock: {exc}", file=sys.stderr)
        return 2
    except ControlError as exc:
        print(f"sms-mock: refused ({exc.status}): {exc.message}", file=sys.stderr)
        return 1
    sys.stdout.write(json.dumps(as_json(answer), indent=2) + "\n" if args.json else show(answer))
    return 0


# -- commands ----------------------------------------------------------------------------
def _pay(client: ControlClient, args: argparse.Namespace) -> Any:
    return client.pay(args.payreq)


def _advance(client: ControlClient, args: argparse.Namespace) -> Any:
    text = args.duration.strip()
    if text.startswith("-"):
        raise ControlError(
            400,
            f"the clock never moves backwards ({text}); to begin again, reset:"
            " sms-mock scenario NAME --reset",
        )
    return client.advance(float(text) if NUMBER.fullmatch(text) else text)


def _deliver(client: ControlClient, args: argparse.Namespace) -> Any:
    """To the service whose order ids look like this one (an sms4sats payment hash, a
    smsVerificationService number)."""
    owner = next((s for s in SERVICES.values() if s.owns_order(args.order_id)), None)
    if owner is None:
        raise ControlError(400, f"{args.order_id!r} is no order id of {', '.join(SERVICES)}")
    return client.deliver(owner.name, args.order_id, **{owner.code_field: args.code})


def _requests(client: ControlClient, args: argparse.Namespace) -> Any:
    entries = client.requests(
        api=args.api,
        method=args.method,
        path=args.path,
        operation=args.operation,
        limit=args.limit,
    )
    return {"requests": entries, "held": client.clock().get("held_requests", [])}


def _callbacks(client: ControlClient, args: argparse.Namespace) -> Any:
    return client.callbacks(api=args.api, state=args.state)


def _scenario(client: ControlClient, args: argparse.Namespace) -> Any:
    name = args.name
    if name and _is_file(name):  # read here and sent: the server may not see this file
        try:
            text = Path(name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ControlError(400, f"cannot read {name}: {exc}") from None
        try:
            name = client.load_scenario(text)["name"]
        except ControlError as exc:  # the server names it <inline>: it was sent, not read
            raise ControlError(exc.status, exc.message.replace(INLINE, name)) from None
        if not args.reset:
            return client.scenario()
    if name and args.reset:
        client.reset(name)
        return client.scenario()
    if name:
        return client.use_scenario(name)
    return client.scenario()


def _worlds(client: ControlClient, args: argparse.Namespace) -> Any:
    if args.create:
        client.create_world(args.create, args.scenario, seed=args.seed, clock=args.clock)
    elif args.drop:
        client.drop_world(args.drop)
    return client.worlds()


def _is_file(name: str) -> bool:
    return Path(name).suffix in (".yaml", ".yml") or "/" in name or Path(name).is_file()


# -- human-friendly output ---------------------------------------------------------------
def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[str(c) for c in headers]] + [
        ["" if c is None else str(c) for c in row] for row in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"


def _show_invoice(invoice: dict[str, Any]) -> str:
    amount, payment_hash = invoice["amount_sat"], invoice["payment_hash"]
    return f"paid {amount} sat: invoice {payment_hash} is {invoice['state']}\n"


def _show_health(health: dict[str, Any]) -> str:
    scenario, clock = health["scenario"], health["clock"]
    return (
        f"sms-mock {health['version']} is up: world {health['world']}, scenario"
        f" {scenario['name']} (seed {health['seed']}), {clock['mode']} clock at {clock['now']}\n"
    )


def _show_clock(clock: dict[str, Any]) -> str:
    return f"now {clock['now']} ({clock['mode']} clock), {clock.get('events_run', 0)} events run\n"


def _show_mapping(answer: dict[str, Any]) -> str:
    return table(("field", "value"), sorted(answer.items()))


def _show_requests(answer: dict[str, Any]) -> str:
    text = _show_journal(answer["requests"])
    held = answer["held"]
    if held:
        text += f"\n{len(held)} held by a fault, not answered yet (listed above with no status"
        text += " until they are):\n"
        text += table(
            ("method", "path", "fault", "action", "until", "in"),
            [
                (h["method"], h["path"], h["fault"], h["action"], h["until"], f"{h['in_seconds']}s")
                for h in held
            ],
        )
        longest = max(h["in_seconds"] for h in held)
        text += f"On a virtual clock they wait for it: sms-mock advance {longest:g} lets them go.\n"
    return text


def _show_journal(entries: list[dict[str, Any]]) -> str:
    rows = [
        (
            e["time"],
            e["api"],
            e["method"],
            e["path"],
            e["status"],
            (e.get("fault") or {}).get("rule", ""),
        )
        for e in entries
    ]
    return table(("time", "api", "method", "path", "status", "fault"), rows)


def _show_callbacks(callbacks: list[dict[str, Any]]) -> str:
    rows = [
        (
            c["id"],
            c["api"],
            c["event"],
            c["url"],
            c["state"],
            len(c["attempts"]),
            c.get("next_attempt_at"),
        )
        for c in callbacks
    ]
    return table(("id", "api", "event", "url", "state", "attempts", "next attempt"), rows)


def _show_worlds(answer: dict[str, Any]) -> str:
    rows = [
        (
            w["world"],
            w["scenario"]["name"],
            w["seed"],
            w["clock"]["mode"],
            w["clock"]["now"],
            w["journal_entries"],
            w["pending_events"],
            f"{w['idle_seconds']:g}s",
        )
        for w in answer["worlds"]
    ]
    limits = answer["limits"]
    text = table(("world", "scenario", "seed", "clock", "now", "requests", "events", "idle"), rows)
    return text + (
        f"{answer['count']} of at most {limits['max_worlds']} worlds;"
        f" one idle for {limits['idle_seconds']:g} s is dropped\n"
    )


def _show_scenario(info: dict[str, Any]) -> str:
    available = ", ".join(info["available"])
    return f"{info['name']}: {info.get('description', '')}\navailable: {available}\n"
