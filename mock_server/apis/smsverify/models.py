"""smsVerificationService state and rules: USD wallets, orders of every kind, SMS on the clock.

Money is exact (Decimal) and every movement is a ledger entry: ``deposit`` (seed or control
API), ``charge`` (an order or a renewal) and ``refund`` (at most one per charge). The balance is
always deposits - charges + refunds, and never negative: a charge the balance cannot cover is
refused before anything changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from mock_server.apis.smsverify.catalog import USA_DIAL, Product, usd
from mock_server.apis.smsverify.errors import (
    CannotCancel,
    CannotRenew,
    InsufficientBalance,
    InvalidApiKey,
    OrderConflict,
    OrderNotFound,
    ProviderFailure,
    RateLimited,
    ServiceNotAvailable,
)
from mock_server.apis.smsverify.settings import Settings
from mock_server.apis.timeline import OrderTimeline
from mock_server.engine.clock import iso_utc
from mock_server.engine.persistence import Rows, Shared
from mock_server.engine.ratelimit import RateLimits
from mock_server.engine.scenarios import ScenarioError, ScenarioFieldError
from mock_server.engine.store import Backend

if TYPE_CHECKING:
    from mock_server.engine.scenarios import Scenario
    from mock_server.engine.simulation import Simulation

FIRST_ORDER_ID = 458731  # the document's first example id
DAY = 86_400
# Kinds that wait for one SMS, expire (refunded) without it, and complete with it.
SHORT_TERM = ("temporary", "best_temp", "global")
RENTAL_KINDS = ("rental", "rent_1day", "rent_30days")
USA_AREA_CODES = ("212", "213", "312", "415", "617", "646", "702", "718", "786", "917")


@dataclass(slots=True)
class Account:
    api_key: str
    balance: Decimal
    callback_url: str | None = None


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    api_key: str
    kind: str  # deposit, charge, refund
    amount: Decimal
    order_id: int | None
    at: float  # when, on the simulated clock (a float: 100,000 entries, no strings)


@dataclass(slots=True)
class Sms:
    otp: str
    message: str
    sender: str
    at: str


@dataclass(slots=True)
class Order:
    order_id: int
    kind: str
    api_key: str
    service: str  # as /orders/ shows it: "WhatsApp", or "WhatsApp (UK)" for global numbers
    price: Decimal
    created_at: float
    status: str
    phone: str | None = None
    service_id: int | None = None
    country_id: int | None = None
    duration_days: int | None = None
    expires_at: float | None = None
    activation_code: str | None = None
    sms: tuple[Sms, ...] = ()  # a tuple: most orders get one SMS or none, an empty list costs
    refunded: bool = False

    def to_record(self) -> dict[str, Any]:
        record = asdict(self)
        record["price"] = str(self.price)
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any], shared: Shared) -> Order:
        repeated = {k: shared(record[k]) for k in ("kind", "api_key", "service", "status")}
        return cls(
            **{
                **record,
                **repeated,
                "price": shared(Decimal(record["price"])),
                "sms": tuple(Sms(**sms) for sms in record["sms"]),
            }
        )

    def describe(self, pending_events: list[str]) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "kind": self.kind,
            "api_key": self.api_key,
            "service": self.service,
            "price": self.price,
            "status": self.status,
            "phone": self.phone,
            "expires_at": self.expires_at,
            "refunded": self.refunded,
            "sms": [asdict(s) for s in self.sms],
            "pending_events": pending_events,
        }


class SmsVerifyBackend(Backend):
    """All smsVerificationService state. Public methods take the state lock."""

    def __init__(self, sim: Simulation) -> None:
        super().__init__(sim)
        self.accounts: dict[str, Account] = {}
        self.orders: dict[int, Order] = {}
        self.ledger: list[LedgerEntry] = []
        self.limits = RateLimits()
        self._next_id = FIRST_ORDER_ID
        steps = {
            "expire": self._expire,
            "end": self._end,
            "sms": lambda order: self.deliver_sms(order.order_id),
        }
        self.timeline = OrderTimeline(self, "smsverify", steps)

    # -- scenario ------------------------------------------------------------------------
    def read_settings(self, scenario: Scenario) -> Settings:
        try:
            return Settings.from_scenario(scenario.section("smsverify"))
        except ScenarioFieldError as exc:
            raise scenario.refuse(exc) from None
        except (ValueError, TypeError) as exc:
            raise ScenarioError(f"{scenario.source}: {exc}") from None

    def load_scenario(self, scenario: Scenario) -> None:
        self.forget_settings()
        for seed in scenario.accounts("smsverify"):
            if seed["api_key"] not in self.accounts:
                balance = usd(seed.get("balance", "0"))
                self.upsert_account(
                    seed["api_key"], balance, seed.get("callback_url"), notify=False
                )

    @property
    def settings(self) -> Settings:
        """The settings of the scenario the current request is served under."""
        settings: Settings = self.request_settings()
        return settings

    @property
    def now(self) -> float:
        return self.sim.clock.timestamp()

    # -- accounts and the wallet ---------------------------------------------------------
    def count_request(self, api_key: str) -> None:
        """A request of ``api_key`` counted against the scenario's rate limit; 429 over it."""
        rate = self.settings.rate_limit
        if rate.enabled:
            bucket = self.sim.request_scenario().name
            decision = self.limits.check(bucket, api_key, rate.limit, rate.window, self.now)
            if not decision.allowed:
                raise RateLimited(rate.limit, rate.window, decision.retry_after)

    def account(self, api_key: str) -> Account:
        with self.sim.lock:
            account = self.accounts.get(api_key)
            if account is None:
                raise InvalidApiKey()
            return account

    def upsert_account(
        self,
        api_key: str,
        balance: Decimal | None = None,
        callback_url: str | None = None,
        *,
        notify: bool = True,
    ) -> Account:
        """Add an account or set its balance and callback URL (control API, scenario seeds).

        A balance that goes up is a deposit in the ledger; with ``notify`` (the control API, not
        a scenario's starting balance) and a callback URL, it is POSTed to
        ``/api/wallet/callback`` on that URL's host.
        """
        with self.sim.lock:
            account = self.accounts.get(api_key)
            if account is None:
                account = self.accounts[api_key] = Account(api_key, usd(0), callback_url)
            elif callback_url is not None:
                account.callback_url = callback_url
            self.changed("accounts", api_key)
            if callback_url:  # named on purpose (scenario or control API): callbacks may go there
                host = urlsplit(callback_url).hostname
                if host:
                    self.sim.callbacks.allow.hosts.add(host.lower())
            if balance is not None and balance != account.balance:
                change = balance - account.balance
                kind = "deposit" if change > 0 else "withdrawal"
                self._entry(api_key, kind, abs(change), None)
                account.balance = balance
                if change > 0 and notify:
                    self._notify_deposit(account, change)
            return account

    def _entry(self, api_key: str, kind: str, amount: Decimal, order_id: int | None) -> None:
        self.changed("ledger", len(self.ledger))
        self.ledger.append(LedgerEntry(api_key, kind, amount, order_id, self.now))

    def _charge(self, account: Account, amount: Decimal, order_id: int | None) -> None:
        if account.balance < amount:
            raise InsufficientBalance()
        account.balance -= amount
        self.changed("accounts", account.api_key)
        self._entry(account.api_key, "charge", amount, order_id)

    def _refund(self, order: Order, amount: Decimal | None = None) -> None:
        if order.refunded:
            return
        order.refunded = True
        account = self.accounts[order.api_key]
        account.balance += amount if amount is not None else order.price
        self.changed("accounts", account.api_key)
        self.changed("orders", order.order_id)
        self._entry(
            order.api_key, "refund", amount if amount is not None else order.price, order.order_id
        )

    # -- placing orders ------------------------------------------------------------------
    def order_product(
        self, api_key: str, kind: str, service_id: int, area_code: str | None = None
    ) -> Order:
        """temporary, best_temp, rent_1day, rent_30days: a USA number for a catalog product."""
        product = self.settings.catalog.product(kind, service_id)
        days = {"rent_1day": 1, "rent_30days": 30}.get(kind)
        return self._place(api_key, kind, product, self._usa_phone(area_code), days)

    def order_global(self, api_key: str, service_id: int, country_id: int) -> Order:
        catalog = self.settings.catalog
        offer = catalog.global_offer(country_id, service_id)
        country = catalog.country(country_id)
        short = "UK" if country.name == "United Kingdom" else country.name
        renamed = Product(
            offer.service_id, f"{offer.name} ({short})", offer.price, offer.stock, country_id
        )
        return self._place(api_key, "global", renamed, self._global_phone(country.dial), None)

    def order_rental(self, api_key: str, service: str, duration: int) -> Order:
        rental = self.settings.catalog.rental_service(service)
        product = Product(0, rental.name, rental.price(duration))
        return self._place(api_key, "rental", product, self._usa_phone(None), duration)

    def order_esim(self, api_key: str, plan_name: str) -> Order:
        plan = self.settings.catalog.esim_plan(plan_name)
        with self.sim.lock:
            order = self._place(api_key, "esim", Product(0, plan.name, plan.price), None, None)
            order.activation_code = "SIM-" + "".join(
                str(self.sim.random.randint(0, 9)) for _ in range(10)
            )
            self.changed("orders", order.order_id)
            return order

    def _place(
        self, api_key: str, kind: str, product: Product, phone: str | None, days: int | None
    ) -> Order:
        with self.sim.lock:
            account = self.account(api_key)
            rule = self.settings.outcome(kind, product.service_id or None, product.country_id)
            if account.balance < product.price:
                raise InsufficientBalance()
            if rule.outcome == "not_available":
                raise ServiceNotAvailable()
            if rule.outcome == "provider_failure":
                # "if the provider fails the debit is rolled back": atomically, nothing moves.
                raise ProviderFailure()
            order_id = self._next_id
            self._next_id += 1
            self.changed("counters", "next_id")
            self._charge(account, product.price, order_id)
            status = "active" if kind in ("rental", "esim") else "pending"
            order = Order(
                order_id,
                kind,
                api_key,
                product.name,
                product.price,
                self.now,
                status,
                phone,
                product.service_id or None,
                product.country_id,
            )
            self.orders[order_id] = order
            self.changed("orders", order_id)
            if days is not None:
                order.duration_days = days
                order.expires_at = self.now + days * DAY
                self._schedule_end(order)
            timing = self.settings.timing
            if kind in SHORT_TERM:
                self._at(order, self.now + timing.expire_after, "expire")
                sms_after = rule.sms_after if rule.sms_after is not None else timing.sms_after
                if rule.outcome == "sms" and sms_after is not None:
                    self._at(order, self.now + sms_after, "sms")
            return order

    # -- timelines -----------------------------------------------------------------------
    def _at(self, order: Order, when: float, what: str) -> None:
        self.timeline.at(order.order_id, when, what)

    def _schedule_end(self, order: Order) -> None:
        self.timeline.cancel(order.order_id, "end")
        assert order.expires_at is not None
        self._at(order, order.expires_at, "end")

    def _expire(self, order: Order) -> None:
        """No SMS in time: expired, and the money goes back."""
        if order.status == "pending":
            order.status = "expired"
            self._refund(order)

    def _end(self, order: Order) -> None:
        """A rental's time is up: expired, nothing refunded (it was used)."""
        if order.status in ("pending", "active"):
            order.status = "expired"

    def _cancel_events(self, order: Order) -> None:
        self.timeline.cancel(order.order_id)

    def deliver_sms(
        self,
        order_id: int,
        otp: str | None = None,
        message: str | None = None,
        sender: str | None = None,
    ) -> Order:
        """An inbound SMS for an order (the scenario's timing, or the control API)."""
        with self.sim.lock:
            order = self.orders.get(order_id)
            if order is None:
                raise OrderNotFound()
            receiving = order.status == "pending" or (
                order.kind in RENTAL_KINDS and order.status == "active"
            )
            if order.kind == "esim" or not receiving:
                raise OrderConflict(f"order {order_id} is {order.status}: it receives no SMS")
            rng = self.sim.random_for("smsverify.sms", order_id, len(order.sms))
            otp = otp if otp is not None else str(rng.randint(100000, 999999))
            text = (
                message
                if message is not None
                else f"Your {order.service.split(' (')[0]} code is {otp}"
            )
            sms = Sms(
                otp, text, sender or str(rng.randint(1000, 99999)), iso_utc(self.sim.clock.now())
            )
            order.sms = (*order.sms, sms)
            self.changed("orders", order_id)
            if order.kind in SHORT_TERM:
                order.status = "completed"
                self._cancel_events(order)
            else:
                order.status = "active"
            account = self.accounts[order.api_key]
            if account.callback_url:
                self.sim.callbacks.send(
                    "smsverify",
                    "incoming_message",
                    account.callback_url,
                    self._incoming(order, sms),
                    self.settings.callback_retry,
                )
            return order

    @staticmethod
    def _incoming(order: Order, sms: Sms) -> dict[str, Any]:
        return {
            "event": "incoming_message",
            "message": {
                "order_id": order.order_id,
                "number": "".join(ch for ch in order.phone or "" if "0" <= ch <= "9"),
                "service": order.service.split(" (")[0].lower(),
                "sender": sms.sender,
                "sms": sms.message,
                "type": "str",
            },
        }

    def _notify_deposit(self, account: Account, amount: Decimal) -> None:
        if not account.callback_url:
            return
        parts = urlsplit(account.callback_url)
        url = f"{parts.scheme}://{parts.netloc}/api/wallet/callback"
        payload = {
            "event": "wallet_deposit",
            "amount": amount,
            "balance": account.balance,
            "currency": "USD",
        }
        self.sim.callbacks.send(
            "smsverify", "wallet_deposit", url, payload, self.settings.callback_retry
        )

    # -- the documented order operations -------------------------------------------------
    def order(self, api_key: str, order_id: int) -> Order:
        """An order of this key; another key's order is "not found", never its data."""
        with self.sim.lock:
            order = self.orders.get(order_id)
            if order is None or order.api_key != api_key:
                raise OrderNotFound()
            return order

    def cancel(self, api_key: str, order_id: int) -> Order:
        """Waiting orders are refunded; an active rental ends without refund; others: 400."""
        with self.sim.lock:
            order = self.order(api_key, order_id)
            if order.kind == "esim" or order.status not in ("pending", "active"):
                raise CannotCancel()
            refundable = order.status == "pending" and not order.sms
            order.status = "cancelled"
            self.changed("orders", order_id)
            self._cancel_events(order)
            if refundable:
                self._refund(order)
            return order

    def renew(self, api_key: str, order_id: int) -> Order:
        """Extend a rental by its duration at the current sell price; same number."""
        with self.sim.lock:
            order = self.order(api_key, order_id)
            if order.kind not in RENTAL_KINDS or order.status == "cancelled":
                raise CannotRenew()
            price = self._current_price(order)
            self._charge(self.accounts[api_key], price, order.order_id)
            assert order.duration_days is not None and order.expires_at is not None
            order.expires_at = max(order.expires_at, self.now) + order.duration_days * DAY
            order.status = "active"
            self.changed("orders", order_id)
            self._schedule_end(order)
            return order

    def _current_price(self, order: Order) -> Decimal:
        catalog = self.settings.catalog
        if order.kind == "rental":
            assert order.duration_days is not None
            return catalog.rental_service(order.service).price(order.duration_days)
        return catalog.product(order.kind, order.service_id or 0).price

    def orders_of(self, api_key: str, limit: int = 50) -> list[Order]:
        with self.sim.lock:
            mine = [o for o in self.orders.values() if o.api_key == api_key]
            return sorted(mine, key=lambda o: o.order_id, reverse=True)[:limit]

    def status(self, order: Order) -> dict[str, Any]:
        with self.sim.lock:
            last = order.sms[-1] if order.sms else None
            body: dict[str, Any] = {
                "order_id": order.order_id,
                "status": order.status,
                "otp": last.otp if last else None,
                "message": last.message if last else None,
                "phone": order.phone,
            }
            if order.expires_at is not None and order.kind in (
                "rent_1day",
                "rent_30days",
                "rental",
            ):
                left = max(0, int(order.expires_at - self.now))
                body["time_left_seconds"] = left
                body["days_left"] = left // DAY
            return body

    def describe(self, order: Order) -> dict[str, Any]:
        """Everything about the order, with the events still to come on its timeline."""
        with self.sim.lock:
            return order.describe(self.timeline.pending(order.order_id))

    # -- state files ---------------------------------------------------------------------
    def dump_records(self) -> Iterable[tuple[str, str, Any]]:
        yield "counters", "next_id", self._next_id
        for api_key in self.accounts:
            yield "accounts", api_key, self.record("accounts", api_key)
        for order_id, order in self.orders.items():
            yield "orders", str(order_id), order.to_record()
        for index in range(len(self.ledger)):
            yield "ledger", str(index), self.record("ledger", str(index))

    def record(self, table: str, key: str) -> Any | None:
        if table == "counters":
            return self._next_id
        if table == "accounts":
            account = self.accounts.get(key)
            return {**asdict(account), "balance": str(account.balance)} if account else None
        if table == "orders":
            order = self.orders.get(int(key))
            return order.to_record() if order else None
        if int(key) >= len(self.ledger):
            return None
        entry = self.ledger[int(key)]
        return {**asdict(entry), "amount": str(entry.amount)}

    def restore_records(self, tables: Rows) -> None:
        for _, value in tables.get("counters", []):
            self._next_id = int(value)
        for api_key, record in tables.get("accounts", []):
            self.accounts[api_key] = Account(
                api_key, Decimal(record["balance"]), record["callback_url"]
            )
        # Rows come in the file's order: each table is read row by row and put in order after.
        shared = Shared()
        for _, record in tables.get("orders", []):
            order = Order.from_record(record, shared)
            self.orders[order.order_id] = order
        self.orders = dict(sorted(self.orders.items()))
        entries = {
            int(index): LedgerEntry(
                shared(record["api_key"]),
                shared(record["kind"]),
                shared(Decimal(record["amount"])),
                record["order_id"],
                record["at"],
            )
            for index, record in tables.get("ledger", [])
        }
        self.ledger = [entries[index] for index in sorted(entries)]

    # -- numbers -------------------------------------------------------------------------
    def _usa_phone(self, area_code: str | None) -> str:
        rng = self.sim.random
        area = area_code or rng.choice(USA_AREA_CODES)
        return f"+{USA_DIAL} {area} 555 01{rng.randint(0, 99):02d}"  # 555-01xx: fictional

    def _global_phone(self, dial: str) -> str:
        rng = self.sim.random
        if dial == "44":
            return f"+44 20 7946 0{rng.randint(0, 999):03d}"  # Ofcom's numbers for drama
        digits = "".join(str(rng.randint(0, 9)) for _ in range(9))
        return f"+{dial} {rng.randint(1, 9)}{digits[:2]} {digits[2:5]} {digits[5:]}"
