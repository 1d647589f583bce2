"""Several processes on one store (SQLite file or PostgreSQL database, whichever the suite runs
on): API processes that do not project, separate projectors, concurrent writers. The events
are SYNTHETIC (bench/synthetic.py)."""

from __future__ import annotations

import random
import subprocess
import threading
import time
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from bench.synthetic import openings, sequence
from service.bootstrap import open_timeline
from service.storage.process_lock import ProcessLock
from service.storage.views import view_store
from tests.support.bodies import made_up_control, made_up_follow_up
from tests.support.server import CLI, free_port, running_server, server_env
from tests.support.stream_client import Subscriber, check_view_messages, wait_for_views
from tests.support.view_checks import assert_views_equal_a_rebuild

KEY = "multi-process-key"
AUTH = {"Authorization": f"Bearer {KEY}"}


def api_only(directory: Path) -> Any:
    """An API process that leaves projecting to a `project` process."""
    return running_server(
        directory, POLICY_TIMELINE_ADMIN_KEY=KEY, POLICY_TIMELINE_RUN_PROJECTIONS="false"
    )


def projector(directory: Path, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*CLI, "project"], env=server_env(directory), cwd=directory, stdout=log.open("a"),
        stderr=subprocess.STDOUT,
    )  # fmt: skip


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait(30)


def test_two_api_processes_and_a_projector_deliver_every_change_once_to_each(
    tmp_path: Path,
) -> None:
    log = tmp_path / "projector.log"
    with ExitStack() as stack:
        first, _ = stack.enter_context(api_only(tmp_path))
        second, _ = stack.enter_context(api_only(tmp_path))
        running = projector(tmp_path, log)
        stack.callback(stop, running)
        wait_for_views(first, httpx.get(f"{first}/events?limit=1").json()["position"])
        start = httpx.get(f"{first}/views").json()["log_position"]
        subscribers = {
            (base, view): Subscriber(base, path, after=str(start))
            for base in (first, second)
            for view, path in (("events", "/events/stream"),
                               ("active-export-controls", "/views/active-export-controls/stream"))
        }  # fmt: skip
        for subscriber in subscribers.values():
            subscriber.start()
            assert subscriber.connected.wait(10)
        bodies = openings(600, seed=21)

        def post(base: str, share: list[dict[str, Any]]) -> None:
            with httpx.Client(base_url=base, headers=AUTH, timeout=30) as client:
                for body in share:
                    assert client.post("/events", json=body).status_code == 201

        writers = [
            threading.Thread(target=post, args=(first, bodies[0::2])),
            threading.Thread(target=post, args=(second, bodies[1::2])),
        ]
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join()
        end = start + len(bodies)
        assert httpx.get(f"{second}/views").json()["log_position"] == end
        wait_for_views(first, end)
        for subscriber in subscribers.values():
            subscriber.done.set()
        for subscriber in subscribers.values():
            subscriber.join(30)
            assert subscriber.error is None
        for base in (first, second):
            log_ids = [m[0] for m in subscribers[(base, "events")].messages]
            assert log_ids == [str(p) for p in range(start + 1, end + 1)]
        controls = [subscribers[(b, "active-export-controls")].messages for b in (first, second)]
        assert controls[0] == controls[1] and len(controls[0]) > 100
        check_view_messages(first, "active-export-controls", {}, start, end, controls[0])
    assert log.read_text().count("projecting from") == 1


def test_eight_writers_race_for_each_version_and_exactly_one_wins(tmp_path: Path) -> None:
    writers = 8
    rounds = 10
    with ExitStack() as stack:
        bases = [
            stack.enter_context(running_server(tmp_path, POLICY_TIMELINE_ADMIN_KEY=KEY))[0]
            for _ in range(2)
        ]
        opened = httpx.post(f"{bases[0]}/events", json=made_up_control(), headers=AUTH)
        assert opened.status_code == 201
        version = opened.json()["version"]
        barrier = threading.Barrier(writers)
        outcomes: list[list[int]] = [[] for _ in range(rounds)]

        def write(n: int) -> None:
            with httpx.Client(base_url=bases[n % 2], headers=AUTH, timeout=30) as client:
                for round_ in range(rounds):
                    body = made_up_follow_up(
                        "ExportControlAmended", measure="ban", announced_on="2025-05-01",
                        title=f"Made-up amendment {round_}/{n}",
                        expected_version=version + round_,
                    )  # fmt: skip
                    barrier.wait()
                    answer = client.post("/events", json=body)
                    outcomes[round_].append(answer.status_code)
                    if answer.status_code == 409:
                        assert answer.json()["error"]["code"] == "version_conflict"
                    barrier.wait()

        threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        for statuses in outcomes:
            assert sorted(statuses) == [201] + [409] * (writers - 1)
        policy = httpx.get(f"{bases[1]}/policies/xx-madeup-control").json()
        assert policy["version"] == version + rounds
        logged = httpx.get(f"{bases[1]}/events", params={"limit": 1000}).json()["items"]
        mine = [e for e in logged if e["event"]["policy_id"] == "xx-madeup-control"]
        assert [e["version"] for e in mine] == list(range(1, version + rounds + 1))


def test_two_projectors_started_at_once_leave_the_views_exact(tmp_path: Path) -> None:
    log = tmp_path / "projectors.log"
    env = server_env(tmp_path)
    timeline = open_timeline(env["POLICY_TIMELINE_DATABASE_URL"])
    store = view_store(timeline)
    with api_only(tmp_path) as (base, _):
        running = [projector(tmp_path, log) for _ in range(2)]
        try:
            bodies = sequence(1500, seed=22)
            with httpx.Client(base_url=base, headers=AUTH, timeout=60) as client:
                for first in range(0, len(bodies), 50):
                    batch = {"events": bodies[first : first + 50]}
                    assert client.post("/events/batch", json=batch).status_code == 201
            head = timeline.position()
            deadline = time.monotonic() + 120
            while min(store.position(s) for s in store.active_slots()) < head:
                assert time.monotonic() < deadline, "the views did not catch up"
                time.sleep(0.1)
        finally:
            for process in running:
                stop(process)
    output = log.read_text()
    assert output.count("projecting from") == 2 and output.count("standing by") == 1
    assert_views_equal_a_rebuild(timeline, store, random.Random(22), date(2020, 1, 1), 180)
    timeline.close()


def test_serve_with_two_workers_shares_one_store_and_one_projector(tmp_path: Path) -> None:
    with running_server(tmp_path, None, 2, POLICY_TIMELINE_ADMIN_KEY=KEY) as (base, output):
        start = httpx.get(f"{base}/views").json()["log_position"]
        bodies = openings(300, seed=23)

        def post(share: list[dict[str, Any]]) -> None:
            # A connection each: the kernel spreads them over the two workers.
            with httpx.Client(base_url=base, headers=AUTH, timeout=30) as client:
                for body in share:
                    assert client.post("/events", json=body).status_code == 201

        threads = [threading.Thread(target=post, args=(bodies[n::4],)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wait_for_views(base, start + len(bodies))
        positions = set()
        for body in bodies:
            stored = httpx.get(f"{base}/events/{body['event_id']}").json()
            positions.add(stored["position"])
        assert positions == set(range(start + 1, start + len(bodies) + 1))
        workers = {line.split("[")[1].split("]")[0] for line in output.read_text().splitlines()
                   if "Started server process" in line}  # fmt: skip
        assert len(workers) == 2
        # One of them holds the projector lock, so no other process can take it now.
        lock = ProcessLock(server_env(tmp_path)["POLICY_TIMELINE_DATABASE_URL"], "projector")
        assert not lock.try_acquire()


def test_processes_starting_at_once_on_an_empty_store_create_it_once(tmp_path: Path) -> None:
    ports = [free_port() for _ in range(3)]
    env = server_env(tmp_path, POLICY_TIMELINE_ADMIN_KEY=KEY)
    log = tmp_path / "starts.log"
    processes = [
        subprocess.Popen([*CLI, "serve", "--port", str(port)], env=env, cwd=tmp_path,
                         stdout=log.open("a"), stderr=subprocess.STDOUT)
        for port in ports
    ]  # fmt: skip
    try:
        for port in ports:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
        for port in ports:
            logged = httpx.get(f"http://127.0.0.1:{port}/events", params={"limit": 1000})
            events = logged.json()["items"]
            assert len(events) == 57  # the bundled timeline, loaded once
            assert len({e["event"]["event_id"] for e in events}) == 57
    finally:
        for process in processes:
            stop(process)
    assert "Traceback" not in log.read_text()
