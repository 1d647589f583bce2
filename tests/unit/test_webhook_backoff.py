"""When a failing webhook is tried again (``service.webhooks.backoff``)."""

from __future__ import annotations

import random

from service.webhooks.backoff import retry_delay

BASE, CAP = 10.0, 3600.0


def test_the_first_retry_comes_within_the_base() -> None:
    rng = random.Random(1)
    delays = [retry_delay(1, BASE, CAP, rng) for _ in range(1000)]
    assert min(delays) >= BASE / 2 and max(delays) <= BASE


def test_each_failure_doubles_the_ceiling_up_to_the_cap() -> None:
    rng = random.Random(2)
    for failures in range(1, 40):
        ceiling = min(CAP, BASE * 2 ** (failures - 1))
        delays = [retry_delay(failures, BASE, CAP, rng) for _ in range(200)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays), failures
    assert retry_delay(10**6, BASE, CAP, rng) <= CAP  # no overflow after very many failures


def test_jitter_spreads_receivers_that_failed_together() -> None:
    rng = random.Random(3)
    delays = {round(retry_delay(5, BASE, CAP, rng), 3) for _ in range(100)}
    assert len(delays) > 90
