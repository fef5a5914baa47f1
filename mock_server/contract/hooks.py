"""Imported into schemathesis' process (``SCHEMATHESIS_HOOKS``) by `sms-mock contract`: the
request budget and the pace hold for every request that process sends.

schemathesis' hooks see the cases it generates, but its checks send probes of their own (a
request without credentials, say) straight to its transport. So both are enforced where every
request leaves, in requests' ``Session.send``: a request past the budget is not sent at all
(it raises, and the run reports that operation as cut short), and requests are spaced to the
pace the real service allows.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

import requests

from mock_server.contract import BUDGET_SPENT

_BUDGET = int(os.environ.get("SMS_MOCK_CONTRACT_BUDGET", "0"))
_INTERVAL = 60.0 / float(os.environ.get("SMS_MOCK_CONTRACT_PER_MINUTE", "60"))
_COUNT = Path(os.environ.get("SMS_MOCK_CONTRACT_COUNT_FILE", os.devnull))
_lock = threading.Lock()
_sent = 0
_last = float("-inf")
_send = requests.Session.send


class BudgetSpent(requests.RequestException):
    pass


def _counted_send(self: requests.Session, request: Any, **kwargs: Any) -> Any:
    global _sent, _last
    with _lock:
        if _sent >= _BUDGET:
            raise BudgetSpent(BUDGET_SPENT)
        pause = _last + _INTERVAL - time.monotonic()
        if pause > 0:  # wall time on purpose: the pace is the real service's
            time.sleep(pause)
        _last = time.monotonic()
        _sent += 1
        _COUNT.write_text(str(_sent), encoding="utf-8")
    return _send(self, request, **kwargs)


if "SMS_MOCK_CONTRACT_BUDGET" in os.environ:  # only in the process `contract` starts
    requests.Session.send = _counted_send  # type: ignore[method-assign]
