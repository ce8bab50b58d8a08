"""A one-file report for a head of agency: :func:`report` (HTML or PDF, English or Indonesian).

The report answers on its first screen the question a reform is judged by: how many
layers the file climbs, how long a case takes (mean and p90, with their 95 %
intervals), how many cases meet the legal deadline and what a case costs, before and
after. Then the before/after diagram, every change with its reason (pass by pass),
what the law kept, what the estimate rests on (each duration and its source, the
calibration card when the durations were fitted to a log), the workload and the
calendar where the process declares them, and the method in plain words.

Every number comes from :func:`procsimp.compare` (and the same simulations, same
seed, for the distribution figure); nothing is typed into the page. The HTML file is
self-contained: styles inline, figures inline as SVG with their text as text, no
script, no font, image or link fetched from anywhere. The PDF is that page printed by
a headless Chromium (see :mod:`procsimp.reporting.pdf`).

>>> import procsimp as ps
>>> proc = ps.load("examples/outgoing_letter.yaml")  # doctest: +SKIP
>>> res = ps.simplify(proc, "delayering_2019")  # doctest: +SKIP
>>> ps.report(proc, res, "letter.html", lang="id", currency="Rp")  # doctest: +SKIP
PosixPath('letter.html')
"""

from __future__ import annotations

import html as _html
import os
from pathlib import Path
from typing import Any

from procsimp._checks import validated
from procsimp.errors import OptionError
from procsimp.io.base import write_atomic
from procsimp.model import Process
from procsimp.pipeline import Result
from procsimp.reporting._document import SECTIONS, Document, Inputs
from procsimp.reporting.i18n import LANGS, TEXT, Words
from procsimp.reporting.reasons import translate

#: File suffixes :func:`report` writes, and the format each one means.
SUFFIXES = {".html": "html", ".htm": "html", ".pdf": "pdf"}


@validated
def report(before: Process, after: Process | Result, path: str | os.PathLike[str],
           lang: str = "en", *, n: int = 10_000, seed: int = 0, start: Any = None,
           calibration: Any = None, currency: str | None = None) -> Path:
    """Write the before/after report of a reform to ``path`` (``.html`` or ``.pdf``).

    Parameters
    ----------
    before
        The process as it is (with a ``calibration``: its ``calibration.process``).
    after
        The :class:`~procsimp.pipeline.Result` of :func:`procsimp.simplify` (then every
        change is listed with its reason), or the process after reform.
    path
        The file to write; its suffix picks the format: ``.html`` (one self-contained
        page) or ``.pdf`` (that page printed by a headless Chromium).
    lang
        ``"en"`` or ``"id"`` (Indonesian: headings, labels, the passes' reasons and the
        figures' words; numbers written 1.234,5). Names of steps and posts stay as the
        process file writes them.
    n, seed, start
        Simulated cases per version, their seed and their start dates, as for
        :func:`procsimp.compare` (the two versions run on the same cases).
    calibration
        The :func:`procsimp.calibrate` result ``before`` came from: each fitted duration
        is then shown as calibrated from the log, and the calibration card is shown.
    currency
        How costs are written, e.g. ``"Rp"`` or ``"IDR"`` (a process file states its
        costs in one currency without naming it); by default no symbol.

    Returns
    -------
    pathlib.Path
        The file written (whole, or not at all).

    Raises
    ------
    OptionError
        An unknown suffix or language, ``n`` below 1, or a calibration of another process.
    MissingDependencyError
        A PDF was asked for and no Chromium-family browser is installed.
    """
    from procsimp.comparison import compare
    from procsimp.evidence import Calibration

    target = Path(path)
    kind = SUFFIXES.get(target.suffix.lower())
    if kind is None:
        raise OptionError(f"report: cannot write a report to {str(target)!r}: give a file "
                          f"ending in {', '.join(SUFFIXES)}")
    if lang not in LANGS:
        raise OptionError(f"report: lang must be one of {', '.join(map(repr, LANGS))}, got "
                          f"{lang!r}")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise OptionError(f"report: n must be a whole number of simulated cases, at least 1 "
                          f"(the answer quotes simulated figures), got {n!r}")
    if calibration is not None:
        if not isinstance(calibration, Calibration):
            raise OptionError(f"report: calibration must be what procsimp.calibrate returns, "
                              f"got {type(calibration).__name__}")
        if calibration.process != before:
            raise OptionError("report: the calibration was fitted to another process than "
                              "`before`; pass calibration.process as before (and simplify "
                              "that one)")
    result = after if isinstance(after, Result) else None
    after_process = after.process if isinstance(after, Result) else after
    comparison = compare(before, after, n=n, seed=seed, start=start)
    figures = _draw(before, after_process, result, comparison, lang, n, seed, start)
    inputs = Inputs(before=before, after=after_process, result=result, comparison=comparison,
                    figures=figures, calibration=calibration, currency=currency, lang=lang)
    page = Document(inputs).html()
    if kind == "pdf":
        from procsimp.reporting.pdf import print_pdf

        print_pdf(page, target)
    else:
        write_atomic(target, page)
    return target


def _draw(before: Process, after: Process, result: Result | None, comparison: Any,
             lang: str, n: int, seed: int, start: Any) -> dict[str, str]:
    """The before/after diagram and the lead-time distributions, as inline SVG."""
    from procsimp import plot
    from procsimp.reporting._figures import localise, svg
    from procsimp.simulation import simulate

    w = Words(lang)
    figures = {}
    diagram = plot.before_after(before, after, result=result, report=comparison)
    figures["before_after"] = svg(localise(diagram, lang),
                                  _html.escape(w("diagram_heading"), quote=True))
    # the same cases as the comparison's (same n, seed and start): the same figures
    sims = (simulate(before, n=n, seed=seed, start=start),
            simulate(after, n=n, seed=seed, start=start))
    chart = plot.distribution(*sims, labels=(w("before"), w("after")))
    figures["distribution"] = svg(localise(chart, lang),
                                  _html.escape(w("distribution_note"), quote=True))
    return figures


__all__ = ["LANGS", "SECTIONS", "SUFFIXES", "TEXT", "report", "translate"]
