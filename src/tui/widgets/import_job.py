"""One import run: its progress bar, counts, rate and ETA."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Label, ProgressBar

from wooconnect.tui import formatting
from wooconnect.tui.models import ImportJob
from wooconnect.tui.progress import Estimate

_STATUS_STYLE = {
    "queued": "yellow",
    "running": "bold cyan",
    "completed": "bold green",
    "failed": "bold red",
}


class ImportJobView(Widget):
    """Shows an `ImportJob`; call `show` with each new poll's job and estimate. Its figures
    take a second line (`.counts`); a screen short of rows shows `.brief` beside the bar
    instead."""

    DEFAULT_CSS = """
    ImportJobView {
        height: auto;
    }
    ImportJobView Horizontal {
        height: 1;
    }
    ImportJobView .entity {
        width: 14;
        text-style: bold;
    }
    ImportJobView .status {
        width: 11;
    }
    ImportJobView ProgressBar {
        width: 1fr;
    }
    ImportJobView ProgressBar Bar {
        width: 1fr;
    }
    ImportJobView .counts, ImportJobView .error {
        color: $text-muted;
        padding-left: 14;
    }
    ImportJobView .error {
        display: none;
        color: $error;
    }
    ImportJobView .brief {
        display: none;
        width: auto;
        max-width: 34;
        padding-left: 1;
    }
    """

    def __init__(self, entity: str) -> None:
        super().__init__(id=f"import-{entity}")
        self.entity = entity
        self.job: ImportJob | None = None
        self._estimate = Estimate(None, None)

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Label(self.entity.capitalize(), classes="entity")
            yield Label("", classes="status")
            # The console computes the ETA from the service's counts; the bar's own ETA would
            # measure only how often the console polls.
            yield ProgressBar(total=1, show_eta=False)
            yield Label("", classes="brief")
        yield Label("", classes="counts")
        yield Label("", classes="error")

    def on_mount(self) -> None:
        # `show` may come before the children exist (right after mounting): draw it now.
        if self.job is not None:
            self._draw()

    def show(self, job: ImportJob, estimate: Estimate) -> None:
        """Update the bar and the figures (at once, or as soon as the widget is mounted)."""
        self.job = job
        self._estimate = estimate
        if self.is_mounted:
            self._draw()

    def _draw(self) -> None:
        job = self.job
        if job is None:
            return
        self.query_one(".status", Label).update(
            Text(job.status, style=_STATUS_STYLE.get(job.status, ""))
        )
        bar = self.query_one(ProgressBar)
        # The service reports a total of 0 until the store has said how many records there
        # are; an unknown total would make the bar pulse (and snapshots differ): show it empty.
        total = max(job.total or 0, job.processed, 1)
        bar.update(total=total, progress=job.processed)
        self.query_one(".brief", Label).update(_brief(job, self._estimate))
        self.query_one(".counts", Label).update(_counts(job, self._estimate))
        error = self.query_one(".error", Label)
        error.update(Text(job.last_error or "", style="red"))
        error.display = bool(job.last_error)


def _brief(job: ImportJob, estimate: Estimate) -> Text:
    """The progress in a few words, for the bar's line: how far, failures, time left."""
    brief = Text()
    if job.status == "queued":
        brief.append("waiting", style="italic")
        return brief
    if job.total:
        brief.append(f"{job.processed:,}/{job.total:,}")
    else:
        brief.append("counting…", style="italic")
    if job.failed:
        brief.append(f" · {job.failed:,} failed", style="red")
    if job.status == "running":
        brief.append(f" · ETA {formatting.duration(estimate.eta_seconds)}")
    return brief


def _counts(job: ImportJob, estimate: Estimate) -> Text:
    counts = Text()
    if job.status == "queued":
        counts.append("waiting for its turn", style="italic")
        return counts
    if job.total:
        counts.append(f"{job.processed:,}/{job.total:,} · ")
    elif job.status == "running":
        counts.append("counting the store's records · ", style="italic")
    counts.append(f"done {job.done:,}", style="green")
    counts.append(" · ")
    counts.append(f"skipped {job.skipped:,}", style="yellow")
    counts.append(" · ")
    counts.append(f"failed {job.failed:,}", style="red" if job.failed else "")
    if job.status == "running":
        counts.append(f" · rate {formatting.rate(estimate.per_second)}")
        counts.append(f" · ETA {formatting.duration(estimate.eta_seconds)}")
    elif job.finished_at:
        counts.append(f" · finished {formatting.timestamp(job.finished_at)}")
    elif job.started_at:
        counts.append(f" · started {formatting.timestamp(job.started_at)}")
    return counts
