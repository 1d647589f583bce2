"""`policy-timeline screen` through the real entry point, on the bundled real timeline: gallium
(a reference code of metallic gallium in MOFCOM/GAC Announcement No. 23 of 2023) from China to
the US on 2026-01-15, while clause 2 of Announcement No. 46 of 2024 is suspended."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.bulk.loader import bundled_timeline
from tests.support.commands import cli

GALLIUM = ["--hs", "8112.92.90.90", "--material", "Ga", "--from", "CN"]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    directory = tmp_path_factory.mktemp("screen")
    assert cli(directory, "load", str(bundled_timeline())).returncode == 0
    yield directory


def test_screen_prints_binding_controls_what_it_cannot_rule_out_and_the_permalink(
    loaded: Path,
) -> None:
    shown = cli(loaded, "screen", *GALLIUM, "--to", "US", "--on", "2026-01-15")
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    ban = next(line for line in lines if "cn-us-gagesb-2024" in line)
    assert "suspended until 2026-11-27" in ban and "material:Ga" in ban
    no23 = next(line for line in lines if "cn-gage-2023" in line)
    assert "in_force" in no23 and "full" in no23 and "hs_code:8112.92.90.90" in no23
    assert "Not ruled out" in shown.stdout
    no18 = next(line for line in lines if "cn-7ree-2025" in line)
    assert "HS list known to be partial" in no18
    assert (
        "permalink: /screen?destination=US&exporter=CN&hs_code=8112.92.90.90"
        "&known_at=position=57&material=Ga&on=2026-01-15"
    ) in shown.stdout


def test_screen_as_json_is_the_api_s_answer(loaded: Path) -> None:
    shown = cli(loaded, "screen", *GALLIUM, "--to", "JP", "--on", "2026-01-15", "--json")
    assert shown.returncode == 0, shown.stderr
    answer = json.loads(shown.stdout)
    assert answer["query"] == {
        "hs_codes": ["8112.92.90.90"], "materials": ["Ga"], "exporter": "CN",
        "destination": "JP",
    }  # fmt: skip
    assert [c["policy_id"] for c in answer["binding"]] == ["cn-gage-2023"]  # not the US-only ban
    assert answer["permalink"].startswith("/screen?destination=JP&exporter=CN")


def test_screen_as_known_before_the_suspension_of_announcement_57(loaded: Path) -> None:
    """No. 57 of 2025 (holmium) was due on 2025-11-08; its suspension is line 51 of the file."""
    asked = ["screen", "--material", "holmium", "--from", "CN", "--on", "2025-10-15", "--json"]
    before = json.loads(cli(loaded, *asked, "--known-at", "position=50").stdout)
    after = json.loads(cli(loaded, *asked).stdout)
    assert [(c["policy_id"], c["takes_effect"], c["status"]) for c in before["upcoming"]] == [
        ("cn-ann57-2025", "2025-11-08", "in_force")
    ]
    assert [c["status"] for c in after["upcoming"]] == ["suspended"]
    assert before["permalink"].endswith("known_at=position=50&material=holmium&on=2025-10-15")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--from", "CN"], "at least one hs_code or material"),
        (["--hs", "28.4x", "--from", "CN"], "'28.4x' is not an HS code"),
        (["--hs", "2846", "--from", "CN", "--to", "Narnia"], "not a jurisdiction code"),
        (["--hs", "2846", "--from", "CN", "--on", "2026-02-30"], "is not a date"),
        (["--hs", "2846", "--from", "CN", "--known-at", "last week"], "known_at 'last week'"),
        (["--hs", "2846"], "Missing option '--from'"),
    ],
)
def test_bad_options_exit_2_with_a_clear_message(loaded: Path, args: list[str], says: str) -> None:
    shown = cli(loaded, "screen", *args)
    assert shown.returncode == 2, shown.stdout
    assert says in shown.stderr
    assert shown.stdout == ""
