"""`policy-timeline counts` through the real entry point, on the bundled real timeline: the
table a reader sees, the JSON it prints, its permalink, and what it refuses."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from service.bulk.loader import bundled_timeline
from tests.support.commands import cli


@pytest.fixture
def loaded(tmp_path: Path) -> Path:
    assert cli(tmp_path, "load", str(bundled_timeline())).returncode == 0
    return tmp_path


def test_counts_prints_a_table_of_periods_by_key_and_its_permalink(loaded: Path) -> None:
    asked = ("--by", "jurisdiction", "--bucket", "year", "--from", "2020-01-01",
             "--to", "2025-12-31", "--status", "in_force")  # fmt: skip
    shown = cli(loaded, "counts", "active-export-controls", *asked)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    header = next(line for line in lines if "period end" in line)
    assert "CN" in header and "IN" in header
    row = next(line for line in lines if "2025-12-31" in line and "│" in line)
    assert [cell.strip() for cell in row.split("│")[1:-1]] == ["2025-12-31", "7", "1"]
    assert not any("2022-12-31" in line for line in lines)  # no control in force then
    link = next(line for line in lines if line.startswith("permalink: ")).removeprefix(
        "permalink: "
    )
    query = parse_qsl(urlsplit(link).query)
    assert urlsplit(link).path == "/views/active-export-controls/counts"
    assert ("known_at", "position=57") in query
    assert ("from", "2020-01-01") in query and ("to", "2025-12-31") in query
    assert ("status", "in_force") in query and ("by", "jurisdiction") in query

    answer = json.loads(cli(loaded, "counts", "active-export-controls", *asked, "--json").stdout)
    assert answer["permalink"] == link
    at_year_end = json.loads(
        cli(loaded, "at", "2025-12-31", "active-export-controls", "--status", "in_force",
            "--json").stdout
    )  # fmt: skip
    last = {i["key"]: i["count"] for i in answer["items"] if i["period_end"] == "2025-12-31"}
    in_force = [i["jurisdiction"] for i in at_year_end["items"]]
    assert last == {code: in_force.count(code) for code in set(in_force)}


def test_counts_of_funding_show_each_groups_total_in_us_dollars(loaded: Path) -> None:
    asked = ("--by", "agency", "--bucket", "quarter", "--from", "2025-07-01", "--to", "2025-12-31")
    answer = json.loads(cli(loaded, "counts", "funding", *asked, "--json").stdout)
    dod = next(i for i in answer["items"] if i["period_end"] == "2025-12-31" and i["key"] == "DoD")
    funding = json.loads(cli(loaded, "at", "2025-12-31", "funding", "--json").stdout)
    dods = [i for i in funding["items"] if i["agency"] == "DoD"]
    assert dod["count"] == len(dods)  # the price floor without a dollar figure too
    priced = sum(Decimal(i["amount_usd"]) for i in dods if i["amount_usd"] is not None)
    assert Decimal(dod["total_usd"]) == priced
    table = cli(loaded, "counts", "funding", *asked, "--known-at", "position=57")
    assert table.returncode == 0, table.stderr
    assert f"${priced:,}" in table.stdout
    assert "position 57" in table.stdout and "total USD" in table.stdout


def test_counts_refuses_what_it_cannot_count(loaded: Path) -> None:
    unknown = cli(loaded, "counts", "timeline", "--by", "jurisdiction")
    assert unknown.returncode == 1 and "no view 'timeline' to count" in unknown.stderr
    no_status = cli(loaded, "counts", "funding", "--by", "agency", "--status", "in_force")
    assert no_status.returncode == 2 and "--status does not apply to funding" in no_status.stderr
    wrong_by = cli(loaded, "counts", "funding", "--by", "status")
    assert wrong_by.returncode == 1
    assert "funding counts by jurisdiction, material, agency, mechanism" in wrong_by.stderr
    backwards = cli(loaded, "counts", "goals", "--by", "status", "--from", "2025-02-01",
                    "--to", "2025-01-01")  # fmt: skip
    assert backwards.returncode == 1 and "is after to" in backwards.stderr
    too_many = cli(loaded, "counts", "goals", "--by", "status", "--from", "1900-01-01")
    assert too_many.returncode == 1 and "more than 400" in too_many.stderr
