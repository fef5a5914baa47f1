"""Many isolated worlds on one server, over real HTTP: what a CI farm sharing one server relies on.

Each client's journey (accounts, orders of both APIs, payment, the clock, a code, an SMS and its
callback) runs in a world of its own; half the clients name their world by path prefix, half by
header. Nothing of one world is visible in another, and every answer is byte for byte what the
same journey gets alone in a fresh world.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from mock_server.app import create_app, worlds_of
from mock_server.engine.worlds import WorldLimits
from mock_server.testing.server import serving
from tests.support import BEARER, WebhookReceiver

CLIENTS = 32
START = 1767225600.0  # the `virtual` scenario's clock starts here


@pytest.fixture(scope="module")
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver().running() as running:
        yield running


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serving(create_app("virtual", strict=True), threads=8) as url:
        yield url


class World:
    """One world of ``base``, named by path prefix or by header."""

    def __init__(self, base: str, name: str, *, by_path: bool) -> None:
        self.root = f"{base}/worlds/{name}" if by_path else base
        self.headers = {} if by_path else {"X-Mock-World": name}
        self.session = requests.Session()

    def call(self, method: str, path: str, **kw: Any) -> requests.Response:
        headers = {**self.headers, **kw.pop("headers", {})}
        response = self.session.request(method, self.root + path, headers=headers, timeout=30, **kw)
        assert response.status_code < 500, response.text
        return response


def journey(world: World, n: int, receiver: str) -> tuple[list[bytes], dict[str, Any]]:
    """Client ``n``'s requests; the bytes of every answer, and what it made."""
    answers: list[bytes] = []

    def call(method: str, path: str, **kw: Any) -> requests.Response:
        response = world.call(method, path, **kw)
        answers.append(response.content)
        return response

    key = {"X-API-Key": "shared-key"}  # the same key name in every world
    call("POST", "/_mock/sms4sats/accounts", json={"api_key": "shared-key", "balance": 1000 * n})
    orders = [
        call("POST", "/createorder", json={"country": 187, "service": "tg"}).json()
        for _ in range(n % 3 + 1)
    ]
    order = orders[-1]
    call("POST", "/_mock/lightning/pay", json={"payreq": order["payreq"]})
    call("POST", "/_mock/clock/advance", json={"seconds": 10 * n})
    call("GET", "/orderstatus", params={"orderId": order["orderId"]})
    call("GET", "/balance", headers=key)
    call(
        "POST",
        "/_mock/smsverify/accounts",
        json={"api_key": BEARER["Authorization"][7:], "callback_url": f"{receiver}/w{n}"},
    )
    made = call("POST", "/api/v1/order/temporary/", json={"service_id": 1012}, headers=BEARER)
    sms_order = made.json()["data"]["order_id"]
    call("POST", f"/_mock/smsverify/orders/{sms_order}/sms")
    call("GET", f"/api/v1/order/{sms_order}/", headers=BEARER)
    call("GET", "/api/v1/balance/", headers=BEARER)
    return answers, {"orders": [o["orderId"] for o in orders], "api_requests": len(orders) + 5}


def _create(base: str, name: str, seed: int) -> None:
    response = requests.post(f"{base}/_mock/worlds", json={"name": name, "seed": seed}, timeout=5)
    assert response.status_code == 201, response.text


def test_32_parallel_clients_in_their_own_worlds_share_nothing_and_answer_as_alone(
    server: str, receiver: WebhookReceiver
) -> None:
    names = [f"ci-{n}" for n in range(CLIENTS)]
    for n, name in enumerate(names):
        _create(server, name, seed=n)

    def run(n: int) -> tuple[list[bytes], dict[str, Any]]:
        return journey(World(server, names[n], by_path=n % 2 == 0), n, receiver.url)

    with ThreadPoolExecutor(CLIENTS) as pool:
        parallel = list(pool.map(run, range(CLIENTS)))

    for n, name in enumerate(names):
        world = World(server, name, by_path=True)
        journal = world.call("GET", "/_mock/requests").json()["requests"]
        assert len(journal) == parallel[n][1]["api_requests"]
        assert world.call("GET", "/_mock/clock").json()["timestamp"] == START + 10 * n
        callbacks = world.call("GET", "/_mock/callbacks").json()["callbacks"]
        assert callbacks and {c["url"] for c in callbacks} == {f"{receiver.url}/w{n}"}
        balance = world.call("GET", "/balance", headers={"X-API-Key": "shared-key"}).json()
        assert int(balance["balance"]) == 1000 * n
        other = parallel[(n + 1) % CLIENTS][1]["orders"][0]  # another world's order (seed)
        assert world.call("GET", "/orderstatus", params={"orderId": other}).status_code == 400
    delivered = {path for path, _ in receiver.received}
    assert {f"/w{n}" for n in range(CLIENTS)} <= delivered

    for n in range(CLIENTS):  # the same journey alone, in a fresh world, by the other way
        _create(server, f"alone-{n}", seed=n)
        alone = journey(World(server, f"alone-{n}", by_path=n % 2 == 1), n, receiver.url)
        assert alone[0] == parallel[n][0], f"client {n} answered differently alone"


def test_a_request_without_a_world_stays_in_default(server: str) -> None:
    _create(server, "elsewhere", seed=1)
    before = len(requests.get(f"{server}/_mock/requests", timeout=5).json()["requests"])
    requests.get(f"{server}/worlds/elsewhere/price", params={"country": 187}, timeout=5)
    after = requests.get(f"{server}/_mock/requests", timeout=5).json()
    assert len(after["requests"]) == before
    health = requests.get(f"{server}/_mock/health", timeout=5).json()
    assert health["world"] == "default"
    assert requests.get(f"{server}/worlds/elsewhere/_mock/health", timeout=5).json()["world"] == (
        "elsewhere"
    )


@pytest.mark.parametrize(
    ("path", "envelope"),
    [
        ("/price", {"status", "reason"}),
        ("/api/v1/balance/", {"error"}),
        ("/_mock/clock", {"error"}),
    ],
)
def test_a_bad_world_name_or_two_worlds_are_a_400_in_the_apis_envelope(
    server: str, path: str, envelope: set[str]
) -> None:
    bad = requests.get(f"{server}/worlds/no%20spaces{path}", headers=BEARER, timeout=5)
    assert bad.status_code == 400
    assert set(bad.json()) - {"success"} == envelope  # smsverify's envelope may carry success
    assert "cannot name a world" in str(bad.json())
    both = requests.get(
        f"{server}/worlds/one{path}", headers={**BEARER, "X-Mock-World": "two"}, timeout=5
    )
    assert both.status_code == 400
    assert "'one'" in str(both.json()) and "'two'" in str(both.json())


def test_a_path_with_a_trailing_slash_redirects_inside_its_world(server: str) -> None:
    response = requests.get(
        f"{server}/worlds/slashes/api/v1/balance", headers=BEARER, allow_redirects=False, timeout=5
    )
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/worlds/slashes/api/v1/balance/")


def test_explicit_worlds_are_refused_until_created_and_the_limit_is_a_503() -> None:
    app = create_app("virtual", strict=True, worlds=WorldLimits(max_worlds=3, explicit=True))
    with serving(app) as base:
        unknown = requests.post(f"{base}/worlds/qa/createorder", json={"country": 187}, timeout=5)
        assert unknown.status_code == 404
        assert unknown.json()["status"] == "error"
        assert 'POST /_mock/worlds {"name": "qa"}' in unknown.json()["reason"]
        assert requests.get(f"{base}/_mock/worlds/qa", timeout=5).status_code == 404

        for name in ("qa", "ci"):
            _create(base, name, seed=1)
        order = requests.post(
            f"{base}/worlds/qa/createorder", json={"country": 187, "service": "tg"}, timeout=5
        )
        assert order.status_code == 200
        full = requests.post(f"{base}/_mock/worlds", json={"name": "third"}, timeout=5)
        assert full.status_code == 503
        assert "limit of 3 worlds" in full.json()["error"]
        assert full.headers["Retry-After"]
        again = requests.post(f"{base}/_mock/worlds", json={"name": "qa"}, timeout=5)
        assert again.status_code == 409

        listed = requests.get(f"{base}/_mock/worlds", timeout=5).json()
        assert [w["world"] for w in listed["worlds"]] == ["ci", "default", "qa"]
        assert listed["limits"]["create_on_request"] is False

        dropped = requests.delete(f"{base}/_mock/worlds/qa", timeout=5)
        assert dropped.json() == {"status": "ok", "dropped": "qa"}
        gone = requests.get(
            f"{base}/worlds/qa/orderstatus", params={"orderId": order.json()["orderId"]}, timeout=5
        )
        assert gone.status_code == 404
        assert requests.delete(f"{base}/_mock/worlds/default", timeout=5).status_code == 409
        assert requests.post(f"{base}/_mock/worlds", json={"name": "third"}, timeout=5).ok


def test_an_idle_world_is_dropped_after_its_ttl_and_says_so() -> None:
    app = create_app("virtual", worlds=WorldLimits(idle_seconds=60, explicit=True))
    worlds = worlds_of(app)
    wall = [1000.0]
    worlds.wall = lambda: wall[0]
    client = app.test_client()
    assert client.post("/_mock/worlds", json={"name": "idle"}).status_code == 201
    assert client.post("/_mock/worlds", json={"name": "busy"}).status_code == 201
    wall[0] += 45
    assert client.get("/worlds/busy/_mock/clock").status_code == 200
    assert client.get("/_mock/worlds/idle").json["expires_in_seconds"] == 15
    wall[0] += 30  # idle: 75 s unused; busy: 30 s
    answer = client.get("/worlds/idle/api/v1/balance/", headers=BEARER)
    assert answer.status_code == 404
    assert "was dropped" in answer.json["error"] and "60 s idle" in answer.json["error"]
    assert client.get("/worlds/busy/_mock/clock").status_code == 200
    assert worlds.names() == ["busy", "default"]
    wall[0] += 3600  # default is never dropped
    worlds.sweep()
    assert worlds.names() == ["default"]


def test_a_world_created_on_request_starts_from_the_servers_scenario(server: str) -> None:
    scenario = requests.get(f"{server}/worlds/fresh-1/_mock/scenario", timeout=5).json()
    assert scenario["name"] == "virtual"
    made = requests.post(
        f"{server}/_mock/worlds",
        json={"name": "slow", "scenario": "slow-code", "seed": 7},
        timeout=5,
    ).json()
    assert made["scenario"]["name"] == "slow-code" and made["seed"] == 7
    assert requests.get(f"{server}/_mock/scenario", timeout=5).json()["name"] == "virtual"
    inline = requests.post(
        f"{server}/_mock/worlds",
        json={"name": "inline", "yaml": "name: mine\nseed: 3\nclock: {mode: virtual}\n"},
        timeout=5,
    ).json()
    assert inline["scenario"]["name"] == "mine" and inline["clock"]["mode"] == "virtual"
    bad = requests.post(f"{server}/_mock/worlds", json={"name": "x", "scenario": "nope"}, timeout=5)
    assert bad.status_code == 400 and "unknown scenario 'nope'" in bad.json()["error"]
    assert "x" not in [w["world"] for w in requests.get(f"{server}/_mock/worlds").json()["worlds"]]


def test_every_world_but_default_keeps_its_journal_and_callbacks_within_its_caps() -> None:
    app = create_app("virtual", worlds=WorldLimits(journal_bytes=4096, callback_bytes=2048))
    worlds = worlds_of(app)
    small = worlds.create("small")
    assert small.journal.max_bytes == 4096
    assert small.callbacks.limits.max_bytes == 2048
    assert worlds.default.journal.max_bytes == small.scenario.journal_max_bytes
    client = app.test_client()
    for _ in range(40):
        client.post("/worlds/small/createorder", json={"country": 187, "service": "tg"})
    assert small.journal.bytes <= 4096 and small.journal.dropped > 0


def test_many_requests_at_once_make_each_world_once_and_never_pass_the_limit() -> None:
    app = create_app("virtual", worlds=WorldLimits(max_worlds=10))
    with serving(app, threads=8) as base:

        def price(name: str) -> int:
            url = f"{base}/worlds/{name}/price"
            return requests.get(url, params={"country": 187}, timeout=30).status_code

        with ThreadPoolExecutor(16) as pool:
            same = list(pool.map(price, ["busy"] * 32))
            distinct = list(pool.map(price, [f"job-{n}" for n in range(40)]))
    assert same == [200] * 32
    assert distinct.count(200) == 8 and distinct.count(503) == 32  # 10 with default and busy
    assert len(worlds_of(app).names()) == 10


def test_what_a_timed_event_draws_does_not_shift_the_ids_of_later_orders() -> None:
    """A code drawn by an event before the next order, or after it: the same ids and codes."""
    app = create_app("virtual")
    client = app.test_client()
    made = {}
    for name, advance_first in (("early", True), ("late", False)):
        root = f"/worlds/{name}"
        body = {"country": 187, "service": "tg"}
        first = client.post(f"{root}/createorder", json=body).get_json()
        client.post(f"{root}/_mock/lightning/pay", json={"payreq": first["payreq"]})
        if advance_first:
            client.post(f"{root}/_mock/clock/advance", json={"seconds": 20})  # number, code
        second = client.post(f"{root}/createorder", json=body).get_json()
        if not advance_first:
            client.post(f"{root}/_mock/clock/advance", json={"seconds": 20})
        status = client.get(f"{root}/orderstatus", query_string={"orderId": first["orderId"]})
        made[name] = (first["orderId"], second["orderId"], status.get_json())
    assert made["early"] == made["late"]  # (the invoices differ: made at other clock times)
    assert "code" in made["early"][2] and "number" in made["early"][2]
