"""The README's shell examples as a script the test suite runs.

Every fenced block marked ```` ```sh ```` in README.md is part of the tour and runs, in the
order written, in one bash process (so variables carry over from block to block); blocks
marked ```` ```bash ```` or ```` ```text ```` are only to be read (installing PostgreSQL,
starting servers, synopses). A command's comment may state what it answers, after an arrow:

    curl -s 'localhost:8001/views/goals'   # → 200 `"status":"active"` `"jurisdiction":"EU"`

A three-digit number after the arrow is the HTTP status every request of the command must get
(without one, every request must succeed: 2xx); each back-quoted fragment must appear in the
command's output. Every command must exit 0.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

FENCE = re.compile(r"^```(\w*)\s*$")
ARROW = "→"
STATUS_MARK = "@@HTTP"
COMMAND_MARK = "@@COMMAND"
EXIT_MARK = "@@EXIT"


@dataclass(frozen=True)
class Command:
    text: str
    line: int  # in README.md, 1-based
    status: int | None  # expected HTTP status of every request; None: any 2xx
    fragments: tuple[str, ...] = ()


@dataclass
class Outcome:
    command: Command
    output: str = ""
    statuses: list[int] = field(default_factory=list)
    exit_code: int | None = None

    def problems(self) -> list[str]:
        found = []
        if self.exit_code != 0:
            found.append(f"exited {self.exit_code}")
        wanted = self.command.status
        for status in self.statuses:
            if (wanted is None and not 200 <= status < 300) or (wanted and status != wanted):
                found.append(f"answered HTTP {status}")
        if wanted is not None and not self.statuses:
            found.append(f"made no request (expected HTTP {wanted})")
        body = self.output
        found += [f"no {f!r} in the output" for f in self.command.fragments if f not in body]
        return found


def tour_commands(readme: str) -> list[Command]:
    """The commands of every ```sh block, each with its expectations."""
    commands: list[Command] = []
    fence: str | None = None
    pending: list[str] = []
    start = 0
    for number, line in enumerate(readme.splitlines(), start=1):
        match = FENCE.match(line)
        if match and fence is None:
            fence = match.group(1)
            continue
        if match and fence is not None:
            if pending:
                raise ValueError(f"README.md:{start}: a command does not end in its block")
            fence = None
            continue
        if fence != "sh":
            continue
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if not pending:
            start = number
        pending.append(line)
        text = "\n".join(pending)
        if line.endswith("\\") or not _complete(text):
            continue
        commands.append(_command(text, start))
        pending = []
    return commands


def _complete(text: str) -> bool:
    try:
        shlex.split(text, comments=True)
    except ValueError:  # an open quote: the command goes on on the next line
        return False
    return True


def _comments(text: str) -> list[str]:
    """The shell comments in a command: each ``#`` after a space and outside quotes, to the
    end of its line."""
    found = []
    for index, char in enumerate(text):
        if char == "#" and (index == 0 or text[index - 1].isspace()):
            before = text[:index].replace("\\\n", " ")
            if _complete(before):
                found.append(text[index:].split("\n", 1)[0])
    return found


def _command(text: str, line: int) -> Command:
    said = " ".join(c.split(ARROW, 1)[1] for c in _comments(text) if ARROW in c)
    found = re.match(r"\s*(\d{3})\b", said)
    status = int(found.group(1)) if found else None
    fragments = tuple(re.findall(r"`([^`]+)`", said))
    return Command(text, line, status, fragments)


PREAMBLE = f"""
set -u
curl() {{
    # The status of each request on stderr, so that pipes still get the body alone; live
    # streams are read for a few seconds.
    local extra=()
    for argument in "$@"; do
        if [ "$argument" = "-N" ]; then extra=(--max-time 3); fi
    done
    command curl "${{extra[@]}}" -w '%{{stderr}}\\n{STATUS_MARK} %{{http_code}}\\n' "$@"
    local code=$?
    if [ $code -eq 28 ] && [ ${{#extra[@]}} -gt 0 ]; then return 0; fi
    return $code
}}
"""


def script(commands: list[Command]) -> str:
    parts = [PREAMBLE]
    for index, command in enumerate(commands):
        parts.append(f"echo '{COMMAND_MARK} {index}'")
        parts.append(command.text)
        parts.append(f"echo '{EXIT_MARK} '$?")
    return "\n".join(parts) + "\n"


def outcomes(commands: list[Command], output: str) -> list[Outcome]:
    """Each command's output, statuses and exit code, read from the script's output."""
    results = [Outcome(command) for command in commands]
    current: Outcome | None = None
    for line in output.splitlines():
        if line.startswith(COMMAND_MARK):
            current = results[int(line.split()[1])]
        elif current is None:
            continue
        elif line.startswith(STATUS_MARK):
            current.statuses.append(int(line.split()[1]))
        elif line.startswith(EXIT_MARK):
            current.exit_code = int(line.split()[1])
        else:
            current.output += line + "\n"
    return results
