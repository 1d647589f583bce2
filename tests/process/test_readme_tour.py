"""The README is executable: its tour (every ```sh block, see ``tests.support.readme_tour``) runs in
order against a fresh server on a fresh store of the suite's backend, from a scratch folder
laid out as the project's (``.venv``, ``var/``), and each command must answer as the README
says next to it."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.support.backend import database_url
from tests.support.readme_tour import outcomes, script, tour_commands
from tests.support.server import running_server

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
TOUR_SERVER = "localhost:8001"  # where the README's tour server listens
TOUR_STORE = "sqlite:///./var/tour.db"  # and the store it keeps


def test_the_readme_tour_runs_as_written(tmp_path: Path) -> None:
    commands = tour_commands(README.read_text(encoding="utf-8"))
    assert len(commands) >= 40
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    (tmp_path / "docs").symlink_to(ROOT / "docs")
    (tmp_path / "var").mkdir()
    url = database_url(tmp_path, "tour")
    with running_server(
        tmp_path, POLICY_TIMELINE_DATABASE_URL=url, POLICY_TIMELINE_STATE_DIR=str(tmp_path / "var")
    ) as (base, _):
        text = script(commands).replace(TOUR_SERVER, base.removeprefix("http://"))
        text = text.replace(TOUR_STORE, url)
        env = {k: v for k, v in os.environ.items() if not k.startswith("POLICY_TIMELINE_")}
        env["POLICY_TIMELINE_DATABASE_URL"] = url
        env["COLUMNS"] = "120"
        run = subprocess.run(
            ["bash", "-c", text],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,  # interleaved: each request's status follows its command
            text=True,
            timeout=600,
            stdin=subprocess.DEVNULL,
        )
    results = outcomes(commands, run.stdout)
    problems = [
        f"README.md:{result.command.line}: {result.command.text.splitlines()[0]}\n    "
        + "; ".join(result.problems())
        + f"\n    output: {result.output[:400]!r}"
        for result in results
        if result.problems()
    ]
    assert not problems, "\n".join(problems)
    assert sum(len(r.statuses) for r in results) >= 30


ERROR_CODE_PATTERNS = (
    re.compile(r'ApiError\(\s*\d{3},\s*"([a-z_]+)"'),
    re.compile(r'AppendError\(\s*"[a-z]+",\s*"([a-z_]+)"'),
    re.compile(r'RuleViolation\(\s*"([a-z_]+)"'),
    re.compile(r'_answer\(\s*\d{3},\s*"[^"]*",\s*"([a-z_]+)"'),
)


@pytest.mark.backend_independent
def test_the_readme_lists_every_error_code_the_api_answers() -> None:
    """Codes are found where errors are made (the API's, the timeline's refusals, the
    lifecycle rules, the HTTP layer's) and each must be in the README's table."""
    from service.http.errors import REFERENCE

    codes = set(REFERENCE.values()) | {"error"}
    for package in ("service", "domain", "projections"):
        for source in (ROOT / package).rglob("*.py"):
            text = source.read_text(encoding="utf-8")
            for pattern in ERROR_CODE_PATTERNS:
                codes.update(pattern.findall(text))
    assert len(codes) >= 30
    readme = README.read_text(encoding="utf-8")
    table = readme[readme.index("Every code the API answers") :]
    missing = sorted(code for code in codes if f"`{code}`" not in table)
    assert not missing, missing


@pytest.mark.backend_independent
def test_the_docs_point_only_inside_the_repository() -> None:
    """A reader of the repository has its files and nothing beside them: every relative link of
    the README and docs/ resolves to a file here, and none climbs out."""
    pages = [README, *(ROOT / "docs").rglob("*.md"), ROOT / "service" / "data" / "README.md"]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "../shared" not in text and "DESIGN.md" not in text, page
        for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text):
            if "://" in target:
                continue
            resolved = (page.parent / target).resolve()
            assert resolved.is_relative_to(ROOT) and resolved.exists(), (page, target)
