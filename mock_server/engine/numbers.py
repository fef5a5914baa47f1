"""Numbers written as text (query parameters, country codes, durations), read by one rule.

Only ASCII digits count: ``str.isdigit`` also says yes to ``"²"`` and ``"٣"``, which ``int``
then refuses or reads as another number. And no more than :data:`MAX_INTEGER_DIGITS` of them:
Python refuses to read or write integers of over 4,300 digits, and no field holds one.
"""

from __future__ import annotations

import re

MAX_INTEGER_DIGITS = 40  # beyond 2**128: no field of any simulated API holds more
_INTEGER = re.compile(rf"-?[0-9]{{1,{MAX_INTEGER_DIGITS}}}")
_DIGITS = re.compile(rf"[0-9]{{1,{MAX_INTEGER_DIGITS}}}")


def ascii_int(text: str, *, signed: bool = True) -> int | None:
    """The integer ``text`` spells in ASCII digits (a leading ``-`` when ``signed``), or None."""
    if (_INTEGER if signed else _DIGITS).fullmatch(text):
        return int(text)
    return None


def is_ascii_digits(text: str) -> bool:
    """Whether ``text`` is one to MAX_INTEGER_DIGITS ASCII digits and nothing else."""
    return _DIGITS.fullmatch(text) is not None
