"""What ``tail`` shows in the terminal: each message, and on stderr any trouble reaching the
server. Following the stream (reconnecting, resuming with ``Last-Event-ID``) is the client's
job: ``service.client``."""

from __future__ import annotations

from collections.abc import Callable

from rich.markup import escape

from service.cli.common import errors, say_error
from service.client import Listener, Message


def describe(message: Message) -> str:
    """One message as lines of Rich markup for the terminal."""
    data = message["data"]
    kind = message["event"]
    head = f"[bold]{escape(message['id'] or '')}[/bold] [cyan]{escape(kind)}[/cyan]"
    if kind == "overflow":
        return f"{head} fell behind; resuming after {escape(data['resume_after'])}"
    if "items" not in data:  # the raw log
        event = data["event"]
        return f"{head} {escape(event['policy_id'])} {escape(event['title'])}"
    lines = [head]
    if data.get("transition"):
        lines[0] += f" {data['transition']['from']} -> {data['transition']['to']}"
    elif data.get("event"):
        event = data["event"]["event"]
        lines[0] += f" (by {escape(event['type'])} {escape(event['event_id'])})"
    for entry in data["items"]:
        item = entry["item"]
        status = f" {item['status']}" if "status" in item else ""
        name = item.get("title") or ""
        name = name if len(name) <= 80 else name[:79] + "…"
        lines.append(
            f"  {entry['change']:>7} {escape(item.get('policy_id', ''))}{escape(status)} "
            f"{escape(name)}"
        )
    return "\n".join(lines)


class RetryStatus(Listener):
    """What `tail` says on stderr while the server cannot be reached: the problem at once, then
    when it tries again: a status line kept up to date on a terminal, a line per attempt
    otherwise (a log file shows how long the outage lasted). The server's notice that `tail`
    fell behind is shown as the messages are (the client resumes by itself)."""

    def __init__(self, base: str, show: Callable[[Message], None]) -> None:
        self.base = base
        self.show = show
        self.problem: str | None = None
        self.attempts = 0
        self.status = errors.status("", spinner="dots") if errors.is_terminal else None

    def trouble(self, problem: str, wait: float) -> None:
        if problem != self.problem:
            say_error(problem)
            self.problem = problem
        self.attempts += 1
        line = f"retrying in {wait:g} s (attempt {self.attempts + 1})"
        if self.status is None:
            say_error(line)
            return
        self.status.update(line)
        self.status.start()

    def connected(self) -> None:
        if self.problem is None:
            return
        if self.status is not None:
            self.status.stop()
        say_error(f"connected to {self.base}")
        self.problem, self.attempts = None, 0

    def overflow(self, message: Message) -> None:
        self.show(message)

    def close(self) -> None:
        if self.status is not None:
            self.status.stop()
