"""A faster stand-in for one helper of the ``bolt11`` package.

Encoding an invoice, ``bolt11`` spends about two thirds of its time in ``bitarray_to_u5``, which
turns the invoice's bits into 5-bit groups by reading them five at a time from a ``bitstring``
stream (about 1.2 ms per invoice). The same groups come from one integer in microseconds. Only
that conversion is replaced, in ``bolt11.encode`` alone: the tags, bech32 and the signature are
still the library's, and a test checks that invoices come out byte for byte the same.
"""

from __future__ import annotations

import importlib
from typing import Any


def bitarray_to_u5(bits: Any) -> list[int]:
    """The 5-bit groups of ``bits`` (a ``bitstring`` array whose length is a multiple of 5)."""
    length = bits.len
    if length % 5:
        raise ValueError(f"{length} bits do not split into 5-bit groups")
    value = bits.uint if length else 0
    return [(value >> shift) & 31 for shift in range(length - 5, -1, -5)]


def install() -> None:
    """Use :func:`bitarray_to_u5` when ``bolt11`` encodes (idempotent)."""
    # The package exports a function named like the module: reach the module itself.
    module = importlib.import_module("bolt11.encode")
    module.bitarray_to_u5 = bitarray_to_u5
