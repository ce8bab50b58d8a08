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
#: Patterns of the figures' words around the user's names, in Indonesian.
FIGURE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^Before: (.*)$", re.DOTALL), r"Sebelum: \1"),
    (re.compile(r"^After: (.*)$", re.DOTALL), r"Sesudah: \1"),
    (re.compile(r"^lead time \((working )?days\)$"), "waktu penyelesaian (hari)"),
    (re.compile(r"^lead time \((working )?hours\)$"), "waktu penyelesaian (jam)"),
    (re.compile(r"^lead time \((working )?weeks\)$"), "waktu penyelesaian (minggu)"),
    (re.compile(r"^(working )?days$"), "hari"),
)
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
        for pattern, target in FIGURE_PATTERNS:
            if pattern.match(words):
                text.set_text(pattern.sub(target, words))
                break
    return fig


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
