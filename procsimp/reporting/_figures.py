"""The report's figures as inline SVG, their words in the report's language.

The figures come from :mod:`procsimp.plot`, drawn from the same compare report and the
same simulations as the report's numbers. The report states the headline itself, so
the figure's own headline and on-time lines (the same figures) are left out; for
``lang="id"`` the words the figures draw (panel titles, legend, axis labels) are put
in Indonesian, and the user's own names (steps, levels) stay as written.
"""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: The figures' fixed words in Indonesian (exact texts; the user's names are kept).
FIGURE_WORDS: dict[str, str] = {
    "task": "tugas", "review": "pemeriksaan", "approval": "persetujuan",
    "signature": "tanda tangan", "handoff": "serah terima", "critical path": "jalur kritis",
    "removed or merged": "dihapus atau digabung", "before": "sebelum", "after": "sesudah",
    "days from the start (expected, on mean durations)":
        "hari sejak mulai (harapan, pada durasi rata-rata)",
    "hours from the start (expected, on mean durations)":
        "jam sejak mulai (harapan, pada durasi rata-rata)",
    "weeks from the start (expected, on mean durations)":
        "minggu sejak mulai (harapan, pada durasi rata-rata)",
    "minutes from the start (expected, on mean durations)":
        "menit sejak mulai (harapan, pada durasi rata-rata)",
    "share of cases finished": "persentase perkara selesai",
    "Simulated lead time": "Waktu penyelesaian simulasi",
}
#: Unit words of the figures, in Indonesian.
UNITS = {"minutes": "menit", "hours": "jam", "days": "hari", "weeks": "minggu",
         "minute": "menit", "hour": "jam", "day": "hari", "week": "minggu",
         "working days": "hari kerja", "working day": "hari kerja",
         "working hours": "jam kerja", "working hour": "jam kerja",
         "calendar days": "hari kalender", "calendar day": "hari kalender"}
_UNIT = "|".join(sorted(map(re.escape, UNITS), key=len, reverse=True))
#: Patterns of the figures' words around the user's names and numbers, in Indonesian.
FIGURE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^Before: (.*)$", re.DOTALL), r"Sebelum: \1"),
    (re.compile(r"^After: (.*)$", re.DOTALL), r"Sesudah: \1"),
    (re.compile(rf"^(.*): p50 ([0-9.,]+), p90 ([0-9.,]+) ({_UNIT})$", re.DOTALL),
     r"\1: p50 \2, p90 \3 \4"),
    (re.compile(rf"^simulated lead time \(({_UNIT}), ([0-9,]+) cases\)$"),
     r"waktu penyelesaian simulasi (\1, \2 perkara)"),
    (re.compile(r"^Lead time distribution$"), "Sebaran waktu penyelesaian"),
    (re.compile(r"^deadline (.*)$", re.DOTALL), r"batas waktu \1"),
)
#: Words inside a translated figure text (a deadline's legend), in Indonesian.
INNER_WORDS = (("on time", "tepat waktu"), ("95% CI", "IK 95%"),
               ("late: deemed granted", "terlambat: dianggap dikabulkan"),
               ("late: issued by system", "terlambat: diterbitkan sistem"))
#: Artists (by gid) the report leaves out: it states their figures in its own words.
LEFT_OUT = ("headline", "on-time")


def localise(fig: Figure, lang: str) -> Figure:
    """Drop the headline and the on-time lines; in Indonesian, translate the fixed words."""
    from matplotlib.text import Text

    for artist in list(fig.findobj(lambda a: a.get_gid() in LEFT_OUT)):
        if artist is fig._suptitle:  # type: ignore[attr-defined]
            artist.set_text("")
        else:
            artist.set_visible(False)
    if lang == "en":
        return fig
    for text in fig.findobj(Text):
        words = text.get_text()
        if not words:
            continue
        if words in FIGURE_WORDS:
            text.set_text(FIGURE_WORDS[words])
            continue
        if "not drawn:" in words:  # a note on a deadline: the report's calendar section
            text.set_visible(False)  # gives its shares in words
            continue
        for k, (pattern, target) in enumerate(FIGURE_PATTERNS):
            if pattern.match(words):
                shown = pattern.sub(target, words)
                # the panel titles hold only the process's name: kept as written
                text.set_text(shown if k < 2 else _inner(shown))
                break
    return fig


def _inner(text: str) -> str:
    """Units, a few words and the decimal separator of a translated figure text."""
    for en, id_ in INNER_WORDS:
        text = text.replace(en, id_)
    text = re.sub(rf"(?<![\w])({_UNIT})(?![\w])", lambda m: UNITS[m.group(1)], text)
    return re.sub(r"(?<=\d)[.,](?=\d)", lambda m: "," if m.group(0) == "." else ".", text)


def svg(fig: Figure, label: str) -> str:
    """``fig`` as an inline ``<svg>`` element: text kept as text, no metadata, no links out."""
    from matplotlib import rc_context

    buffer = io.StringIO()
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "procsimp"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    text = text[text.index("<svg"):]
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.DOTALL)
    # an accessible name, and a size the page can scale
    return text.replace("<svg ", f'<svg role="img" aria-label="{label}" class="figure" ', 1)


__all__ = ["FIGURE_PATTERNS", "FIGURE_WORDS", "localise", "svg"]
