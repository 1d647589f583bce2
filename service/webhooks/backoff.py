"""When to try a failing webhook again: exponential backoff with jitter.

The ceiling doubles with each failure in a row, from ``base`` up to ``cap``; the pause is drawn
from the upper half of it ("equal jitter"), so receivers that failed together (an outage) are
not all tried again at the same instant, and no pause is ever much shorter than planned. With
the defaults (10 s, one hour) the first retry comes 5-10 s after the failure, the tenth
between 43 and 85 minutes after the ninth, and none more than an hour after the last."""

from __future__ import annotations

import random

_MOST_DOUBLINGS = 60  # 2**60 times any base is beyond any cap; avoids an overflow


def retry_delay(failures: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Seconds to wait after the ``failures``-th failure in a row (1 for the first)."""
    ceiling = min(cap, base * 2 ** min(max(failures, 1) - 1, _MOST_DOUBLINGS))
    return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)
