"""Progress of long work: a tqdm bar when tqdm is installed, a plain text line otherwise.

Every long-running function (``compare``, ``portfolio``, ``calibrate``, ``seek``) takes
``progress``:

- ``None`` (the default): shown only when standard error is a terminal, and only once
  the work has run for :data:`DELAY` seconds, so quick calls stay silent and logs,
  pipes and CI output stay clean;
- ``True``: shown wherever standard error goes (also a file or a notebook), from the
  start;
- ``False``: never shown.

>>> with progress_bar(3, "demo", progress=False) as bar:
...     for _ in range(3):
...         bar.update()
>>> bar.done
3
"""

from __future__ import annotations

import sys
import time
from typing import IO, Any

from procsimp.errors import OptionError

__all__ = ["DELAY", "Progress", "check_progress", "progress_bar"]

#: Seconds of work before progress appears by itself (``progress=None``).
DELAY = 2.0
#: Seconds between two redraws of the plain text line.
_EVERY = 0.5


def check_progress(progress: Any, where: str) -> bool | None:
    """``progress`` if it is True, False or None; else an :class:`OptionError`."""
    if progress is None or isinstance(progress, bool):
        return progress
    raise OptionError(f"{where}: progress must be True (always show), False (never) or None "
                      f"(show on a terminal when the work takes more than {DELAY:g} s), got "
                      f"{progress!r}")


class Progress:
    """Counts work done and shows it (or not); use as a context manager.

    ``update(k)`` adds ``k`` units; ``describe(text)`` changes what is being done.
    """

    def __init__(self, total: int | None, desc: str, *, progress: bool | None = None,
                 unit: str = "it", stream: IO[str] | None = None) -> None:
        self.total, self.desc, self.unit = total, desc, unit
        self.done = 0
        self._stream = stream if stream is not None else sys.stderr
        self._start = time.perf_counter()
        self._last = -1.0
        self._shown = False
        self._tqdm: Any = None
        terminal = bool(getattr(self._stream, "isatty", lambda: False)())
        self.enabled = progress is True or (progress is None and terminal)
        self._delay = 0.0 if progress is True else DELAY
        self._line_end = "\r" if terminal else "\n"
        if self.enabled:
            try:
                from tqdm.auto import tqdm
            except ImportError:
                tqdm = None
            if tqdm is not None:
                self._tqdm = tqdm(total=total, desc=desc, unit=unit, file=self._stream,
                                  delay=self._delay, leave=progress is True)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def describe(self, desc: str) -> None:
        """Say what is being done now."""
        self.desc = desc
        if self._tqdm is not None:
            self._tqdm.set_description(desc, refresh=False)

    def update(self, k: int = 1) -> None:
        """``k`` more units of work are done."""
        self.done += k
        if not self.enabled:
            return
        if self._tqdm is not None:
            self._tqdm.update(k)
            return
        now = time.perf_counter()
        if now - self._start >= self._delay and now - self._last >= _EVERY:
            self._last = now
            self._write()

    def _write(self) -> None:
        seconds = time.perf_counter() - self._start
        if self.total:
            text = (f"{self.desc}: {self.done:,}/{self.total:,} {self.unit} "
                    f"({self.done / self.total:.0%}, {seconds:.1f} s)")
        else:
            text = f"{self.desc}: {self.done:,} {self.unit} ({seconds:.1f} s)"
        self._stream.write(text + self._line_end)
        self._stream.flush()
        self._shown = True

    def close(self) -> None:
        """Finish the bar (the plain line ends with a newline once it was shown)."""
        if self._tqdm is not None:
            self._tqdm.close()
            self._tqdm = None
        elif self.enabled and self._shown:
            self._write()
            if self._line_end == "\r":
                self._stream.write("\n")
            self._shown = False


def progress_bar(total: int | None, desc: str, *, progress: bool | None = None,
                 unit: str = "it", stream: IO[str] | None = None) -> Progress:
    """A :class:`Progress` of ``total`` units (None: unknown), shown as the module says."""
    return Progress(total, desc, progress=progress, unit=unit, stream=stream)
