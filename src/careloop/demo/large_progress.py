"""The large demo's progress bar on stderr (rich, which ships with Typer): one bar per thing
being written, with how many, the rate and the time left; stdout keeps the summary alone."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from careloop.demo.large import Progress as ProgressCallback

WHAT = {
    "orders": "orders, lines, shipments, returns",
    "tickets": "tickets, messages, audit trail",
}


class RateColumn(ProgressColumn):
    """Rows a second over the last half minute."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f}/s" if speed else "", style="progress.data.speed")


@contextmanager
def progress_bar() -> Iterator[ProgressCallback]:
    """A callback for `load_large_demo(progress=...)` that draws the bars while it runs."""
    columns = (
        TextColumn("{task.description:<34}"),
        BarColumn(bar_width=20),
        MofNCompleteColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True)) as bar:
        tasks = {}

        def update(what: str, done: int, total: int) -> None:
            if what not in tasks:
                tasks[what] = bar.add_task(WHAT.get(what, what), total=total)
            bar.update(tasks[what], completed=done, total=total)

        yield update
