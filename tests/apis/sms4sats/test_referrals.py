"""`ref` as public clients send it: empty (no referral), a Lightning address, or an LNURL, on
every order endpoint; a referral is paid only to a valid one, when the order settles."""

from __future__ import annotations

from typing import Any

import pytest
from bech32 import bech32_encode, convertbits

from mock_server.apis.sms4sats.referrals import lnurl_decode, payee

from .helpers import Driver, app_for

MANUAL = "sms4sats:\n  timing: {auto_pay_after: null}\n"
PAY_URL = "https://getalby.com/lnurlp/lnvpn"


def lnurl(url: str) -> str:
    data = convertbits(url.encode(), 8, 5, True)
    assert data is not None
    return bech32_encode("lnurl", data).upper()  # as wallets print them (QR codes)


LNURL = lnurl(PAY_URL)


OMITTED = object()


def settle(driver: Driver, kind: str, ref: Any) -> dict[str, Any]:
    """An order of ``kind`` with ``ref`` (OMITTED: none sent) that is paid and settles."""
    body = {} if ref is OMITTED else {"ref": ref}
    order = {"receive": driver.create, "send": driver.send, "email": driver.email}[kind](**body)
    assert driver.pay(order["payreq"]).status_code == 200
    if kind == "receive":
        assert driver.deliver(order["orderId"]).status_code == 200
    driver.advance(60)
    assert driver.state(order["orderId"]) == "SETTLED"
    return order


def referrals(driver: Driver) -> list[dict[str, Any]]:
    return driver.client.get("/_mock/sms4sats/referrals").get_json()["referrals"]


@pytest.mark.parametrize("kind", ["receive", "send", "email"])
def test_every_order_endpoint_pays_a_referral_to_an_lnurl_and_a_lightning_address(
    kind: str,
) -> None:
    driver = Driver(app_for(MANUAL))
    by_lnurl = settle(driver, kind, LNURL)
    by_address = settle(driver, kind, "Alice@GetAlby.com")
    price = 3000 if kind == "receive" else 1000
    paid = referrals(driver)
    # Paid when the order settles: the receive order at once (its code came), a send 1 s later.
    settled = ["2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z"]
    if kind != "receive":
        settled = ["2026-01-01T00:00:01Z", "2026-01-01T00:01:01Z"]
    assert [r.pop("at") for r in paid] == settled
    assert paid == [
        {
            "order_id": by_lnurl["orderId"],
            "address": LNURL,
            "kind": "lnurl",
            "pays_to": PAY_URL,
            "amount": price // 10,
        },
        {
            "order_id": by_address["orderId"],
            "address": "Alice@GetAlby.com",
            "kind": "lightning-address",
            "pays_to": "alice@getalby.com",
            "amount": price // 10,
        },
    ]


@pytest.mark.parametrize("kind", ["receive", "send", "email"])
@pytest.mark.parametrize("ref", ["", "   ", "not-an-address", "lnurl1notbech32", None, OMITTED])
def test_an_empty_or_invalid_ref_is_accepted_and_pays_nobody(kind: str, ref: Any) -> None:
    driver = Driver(app_for(MANUAL))
    order = settle(driver, kind, ref)  # 200 with an invoice, settled like any other
    assert referrals(driver) == []
    control = driver.client.get(f"/_mock/sms4sats/orders/{order['orderId']}").get_json()
    assert control["ref"] == (None if ref is OMITTED else ref) and control["charged"] is True


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/createorder", {"country": 187, "service": "tg"}),
        ("/createsendorder", {"message": "hi", "phone": "+19871234567"}),
        ("/createemailsendorder", {"message": "hi", "address": "a@example.org"}),
    ],
)
def test_a_scenario_can_refuse_an_invalid_ref_but_never_an_empty_one(
    path: str, body: dict[str, Any]
) -> None:
    driver = Driver(app_for("sms4sats:\n  invalid_ref: refuse\n"))
    refused = driver.client.post(path, json={**body, "ref": "not-an-address"})
    assert refused.status_code == 400
    assert refused.get_json() == {
        "status": "error",
        "reason": "ref: not a Lightning address (user@domain) or an LNURL (lnurl1...)",
    }
    for ref in ("", LNURL, "lnvpn@getalby.com"):
        assert driver.client.post(path, json={**body, "ref": ref}).status_code == 200
    assert len(driver.sim.backend("sms4sats").orders) == 3


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        (LNURL, PAY_URL),
        (LNURL.lower(), PAY_URL),
        ("lightning:" + LNURL, PAY_URL),
        (lnurl("http://abcdefgh.onion/lnurlp/x"), "http://abcdefgh.onion/lnurlp/x"),
        (lnurl("http://example.com/lnurlp/x"), None),  # LUD-01: https, or http on an onion
        (lnurl("ftp://example.com/x"), None),
        (LNURL[:-1] + ("Q" if LNURL[-1] != "Q" else "P"), None),  # a broken checksum
        (bech32_encode("lnbc", convertbits(PAY_URL.encode(), 8, 5, True) or []), None),
        ("LNURL1" + "Q" * 3000, None),
    ],
)
def test_lnurls_are_decoded_with_their_checksum_and_scheme(ref: str, expected: str | None) -> None:
    assert lnurl_decode(ref) == expected


def test_lightning_addresses_follow_lud16() -> None:
    assert payee("lnvpn@getalby.com") is not None
    assert payee("user.name+tag@pay.example.co.uk") is not None
    for bad in ("@getalby.com", "alice@", "alice@localhost", "al ice@getalby.com", "a@b@c.com"):
        assert payee(bad) is None, bad
