"""The fuzzing seed: fresh every run unless SMS_MOCK_FUZZ_SEED names one (tests/conftest.py
prints it at the top of every run)."""

from __future__ import annotations

import os
import random

FUZZ_SEED = int(os.environ.get("SMS_MOCK_FUZZ_SEED") or random.SystemRandom().randrange(2**32))
FUZZ_EXAMPLES = int(os.environ.get("SMS_MOCK_FUZZ_EXAMPLES") or 100)
