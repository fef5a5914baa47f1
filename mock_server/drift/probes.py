"""What a drift run asks each service, graded by what it may cost.

- ``safe``: cannot spend anything: catalogs, prices, balances, the status of ids that do not
  exist, and the errors of requests without credentials or with bad input;
- ``orders`` (sms4sats, ``--allow-orders``): creates orders that only return unpaid invoices;
- ``spend`` (``--allow-spend``, up to ``--max-spend``): debits a prepaid balance or wallet.

Probes are generated one at a time, so a later one can use what an earlier one answered (the
id of an order just made, the cheapest service of a catalog).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

SAFE, ORDERS, SPEND = "safe", "orders", "spend"
UNKNOWN_HASH = hashlib.sha256(b"sms-mock drift: no such order").hexdigest()


@dataclass(frozen=True)
class Probe:
    name: str
    operation: str
    method: str
    path: str
    query: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    credentials: bool = True
    needs: str = SAFE
    cost: Decimal = Decimal(0)  # in the API's money: sats or USD
    expected_text: str | None = None  # for errors: the text sms-mock assumes the service sends


Results = dict[str, Any]
