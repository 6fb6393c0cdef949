"""Exponential back-off with jitter, for every retry loop (never a tight loop, never a herd)."""

import random
from collections.abc import Callable


def backoff_delay(failures: int, first: float, cap: float,
                  jitter: Callable[[], float] = random.random) -> float:
    """Seconds to wait after ``failures`` failures in a row: ``first`` doubled per failure
    after the first, capped at ``cap``, then scaled by 50–100 % (``jitter()`` in [0, 1))."""
    exponent = max(0, failures - 1)
    base = min(cap, first * 2.0 ** min(exponent, 30))
    return base * (0.5 + 0.5 * jitter())
