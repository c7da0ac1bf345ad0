"""A tiny progress bar for the command line (standard library only).

On a terminal it redraws one line on stderr::

    [############------------------] 12/30 yearly_refresh[2001]

Elsewhere (a log file, a CI job, a Dagster compute log) it prints the same text as plain lines,
one each time another ``every`` percent is done, so logs stay short::

    with Progress(30, "yearly_refresh") as bar:
        for year in years:
            bar.label = f"yearly_refresh[{year}]"   # shown while the step runs (terminal only)
            ...
            bar.advance()

Code that should not depend on this module can take any ``progress(done, total, label)``
callable: a ``Progress`` is one (``bar(3, 30, "year 2014")``), and so is ``None``-checked code::

    def generate(..., progress=None):
        for i, year in enumerate(years, 1):
            ...
            if progress: progress(i, len(years), f"year {year}")
"""

from __future__ import annotations

import sys
import time
from typing import Callable, TextIO

_FINAL = 1 << 30  # plain mode: the 100% line, printed once whatever `every` is

ProgressCallback = Callable[[int, int, str], None]
"""What a library may accept: ``progress(done, total, label)``."""


def bar_text(done: int, total: int, label: str = "", width: int = 30) -> str:
    """``[#####-----] 12/30 label``: the bar alone, without carriage return or newline."""
    frac = 1.0 if total <= 0 else min(max(done / total, 0.0), 1.0)
    filled = int(round(frac * width))
    text = f"[{'#' * filled}{'-' * (width - filled)}] {done}/{total}"
    return f"{text} {label}" if label else text


class Progress:
    """``Progress(total, label)``: a context manager; ``advance()`` after each unit of work.

    ``stream`` defaults to ``sys.stderr`` (looked up when the bar is made, so redirection works);
    ``tty`` defaults to ``stream.isatty()``. In plain mode a line is printed each time the done
    fraction crosses another multiple of ``every`` percent (10: at most 10 lines, the last at 100%).
    """

    def __init__(
        self,
        total: int,
        label: str = "",
        *,
        stream: TextIO | None = None,
        tty: bool | None = None,
        every: float = 10.0,
        width: int = 30,
    ):
        self.total = int(total)
        self.label = label
        self.done = 0
        self.stream = stream if stream is not None else sys.stderr
        if tty is None:
            try:
                tty = bool(self.stream.isatty())
            except (AttributeError, ValueError):  # closed or file-like without isatty
                tty = False
        self.tty = tty
        self.every = max(float(every), 1e-9)
        self.width = width
        self._printed_step = 0  # plain mode: the last multiple of `every` printed
        self._drawn = 0  # tty mode: length of the line on screen (0: nothing drawn)
        self._closed = False

    # ---------------------------------------------------------------- reporting
    def advance(self, n: int = 1, label: str | None = None) -> None:
        """``n`` more units done; ``label`` replaces the label."""
        self.update(self.done + n, label)

    def update(self, done: int, label: str | None = None) -> None:
        """Set the done count (and the label)."""
        self.done = int(done)
        if label is not None:
            self.label = label
        self._show()

    def set_label(self, label: str) -> None:
        """Say what is being worked on now (redrawn on a terminal; plain mode waits for progress)."""
        self.label = label
        if self.tty:
            self._show()

    def __call__(self, done: int, total: int | None = None, label: str | None = None) -> None:
        """The callback form ``progress(done, total, label)`` for code that does not import this module."""
        if total is not None:
            self.total = int(total)
        self.update(done, label)

    def write(self, line: str, file: TextIO | None = None) -> None:
        """Print a whole line (to ``file``, default stdout) without mangling the bar."""
        file = file if file is not None else sys.stdout
        if self.tty and self._drawn:
            self.stream.write("\r" + " " * self._drawn + "\r")
            self.stream.flush()
            self._drawn = 0
        print(line, file=file, flush=True)
        if self.tty and not self._closed:
            self._show()

    # ---------------------------------------------------------------- drawing
    def _show(self) -> None:
        if self._closed:
            return
        text = bar_text(self.done, self.total, self.label, self.width)
        if self.tty:
            pad = " " * max(self._drawn - len(text), 0)
            self.stream.write("\r" + text + pad)
            self.stream.flush()
            self._drawn = len(text)
            return
        pct = 100.0 if self.total <= 0 else 100.0 * min(max(self.done, 0), self.total) / self.total
        bucket = _FINAL if pct >= 100.0 else int(pct / self.every + 1e-9)
        if bucket > self._printed_step:
            self._printed_step = bucket
            self.stream.write(text + "\n")
            self.stream.flush()

    def close(self) -> None:
        """End the bar: a newline after the terminal line."""
        if self._closed:
            return
        if self.tty and self._drawn:
            self.stream.write("\n")
            self.stream.flush()
        self._closed = True

    def __enter__(self) -> "Progress":
        if self.tty and self.total > 0:
            self._show()
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def log_progress(logger, label: str, every_percent: int = 10, min_interval_s: float = 10.0,
                 clock: Callable[[], float] = time.monotonic):
    """A ``progress(done, total, what)`` callable that writes to ``logger`` (Dagster's run log in
    the UI): the first call, then each time another ``every_percent`` of the work is done once
    ``min_interval_s`` have passed since the last line, and the end. A year read from the parts'
    extracts in a second writes two lines, not eleven: each line is an event Dagster stores (a
    write to the instance's database), about 50 ms of a range run's wall time each."""
    state = {"last": -1, "at": None}

    def report(done: int, total: int, what: str = "") -> None:
        if total <= 0:
            return
        step = int(100 * done / total) // every_percent
        now = clock()
        due = state["at"] is None or (step > state["last"] and now - state["at"] >= min_interval_s)
        if due or done == total:
            state["last"], state["at"] = step, now
            logger.info(f"{label}: {done}/{total} ({100 * done / total:.0f}%) {what}".rstrip())

    return report
