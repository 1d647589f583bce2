"""A real server on a PostgreSQL cluster that is restarted under it (``pg_ctl stop -m fast``,
3 s down, ``pg_ctl start``), once while idle and once while four writers post.

After each restart: every acknowledged event is in the log exactly once; no request was
answered 500 (a 503 with Retry-After is what a client may see while the database is away);
``/readyz`` answered 503 while the views could not keep up and 200 once they had; the views
reached the log's end within 5 s of the database answering again; and a live view stream
opened before the restart delivered the events posted after it.

The cluster is the test's own (``tests.support.private_postgres``): the suite's shared server
cannot be restarted under the tests running beside it. The events are MADE UP.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.backend import BACKEND
from tests.support.bodies import made_up_control
from tests.support.private_postgres import PrivateCluster, binaries, private_cluster
from tests.support.restart_checks import (
    KEY,
    ReadyWatch,
    Writer,
    caught_up_within,
    log_event_ids,
    post,
)
from tests.support.server import running_server
from tests.support.stream_client import Subscriber

pytestmark = pytest.mark.skipif(
    BACKEND != "postgres", reason="a database restart: the PostgreSQL half"
)

CATCH_UP_SECONDS = 5.0
DOWN_SECONDS = 3.0  # long enough that /readyz is asked while the database is away
WRITERS = 4


@pytest.fixture(scope="module")
def cluster() -> Iterator[PrivateCluster]:
    if binaries() is None:
        if os.environ.get("POLICY_TIMELINE_REQUIRE_POSTGRES"):
            pytest.fail("PostgreSQL binaries are required (POLICY_TIMELINE_REQUIRE_POSTGRES)")
        pytest.skip("no PostgreSQL binaries to make a private cluster with")
    with private_cluster() as made:
        yield made


@pytest.fixture
def server(cluster: PrivateCluster, tmp_path: Path) -> Iterator[str]:
    url = cluster.new_database(f"restart_{uuid.uuid4().hex[:12]}")
    with running_server(
        tmp_path, POLICY_TIMELINE_DATABASE_URL=url, POLICY_TIMELINE_ADMIN_KEY=KEY
    ) as (base, _):
        yield base


def restart_and_check(
    base: str, cluster: PrivateCluster, writers: list[Writer], stop: threading.Event
) -> float:
    subscriber = Subscriber(base, "/views/active-export-controls/stream", quiet=5.0)
    subscriber.start()
    assert subscriber.connected.wait(10)
    watch = ReadyWatch(base, threading.Event())
    watch.start()
    for writer in writers:
        writer.start()
    time.sleep(1.0)
    asked = time.monotonic()
    back = cluster.restart(down_for=DOWN_SECONDS)
    time.sleep(0.5)  # writers keep posting on the database that came back
    stop.set()
    for writer in writers:
        writer.join(60)
    after_restart = post(
        base, made_up_control(event_id=str(uuid.uuid4()), policy_id="xx-madeup-after-restart")
    )
    recovery = caught_up_within(base, back, int(after_restart["position"]))
    watch.stop.set()
    watch.join(10)

    assert recovery <= CATCH_UP_SECONDS, f"views caught up {recovery:.2f} s after the database"
    during = [status for moment, status in watch.answers if asked <= moment <= back]
    timeline = [(round(m - asked, 2), s) for m, s in watch.answers]
    assert 503 in during, (round(back - asked, 2), timeline[15:40])  # not ready while away
    assert watch.answers[-1][1] == 200, watch.last_reasons

    for writer in writers:
        assert 500 not in writer.statuses, writer.statuses
    ids = log_event_ids(base)
    counts = Counter(ids)
    acknowledged = [event_id for writer in writers for event_id in writer.acknowledged]
    assert all(counts[event_id] == 1 for event_id in acknowledged)
    assert counts[after_restart["event_id"]] == 1

    # The stream opened before the restart sends the change the post after it made.
    deadline = time.monotonic() + 10
    wanted = after_restart["policy_id"]
    while not any(
        item["item"]["policy_id"] == wanted for _, _, data in subscriber.messages
        for item in data.get("items", [])
    ):  # fmt: skip
        assert time.monotonic() < deadline, "the stream did not deliver the post-restart event"
        time.sleep(0.05)
    subscriber.done.set()
    return recovery


def test_views_recover_after_a_restart_while_idle(server: str, cluster: PrivateCluster) -> None:
    restart_and_check(server, cluster, [], threading.Event())


def test_views_recover_after_a_restart_under_four_writers(
    server: str, cluster: PrivateCluster
) -> None:
    stop = threading.Event()
    writers = [Writer(server, n, stop) for n in range(WRITERS)]
    restart_and_check(server, cluster, writers, stop)
    assert sum(len(w.acknowledged) for w in writers) > 0
