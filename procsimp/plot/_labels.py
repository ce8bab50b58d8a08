"""What each box of a swimlane says, and the key of the boxes too narrow to say it.

The rule: **a box shows its step's whole name or a number**. The name is wrapped at
word boundaries into the lines the box holds (measured with the font the figure
uses, never cut by an ellipsis); when it does not fit, the box shows a number and
the figure's key lists ``number  whole name``. A box too narrow even for its number
gets it just above the box. The same step keeps the same number in every panel of a
figure (before and after share one key).

Nothing here draws; :mod:`procsimp.plot._process` draws what it decides.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from procsimp import layout as _layout

__all__ = ["BOX_HEIGHT", "Key", "Label", "plan_labels", "text_width", "wrap"]

#: Height of a box as a share of its sub-row.
BOX_HEIGHT = 0.7
#: Points of padding between a label and its box's sides.
PAD = 4.0
#: Line height as a multiple of the font size.
LINE = 1.2


@functools.cache
def _measure(text: str, size: float, weight: str = "normal") -> float:
    from matplotlib.font_manager import FontProperties

    renderer = _renderer()
    width, _h, _d = renderer.get_text_width_height_descent(
        text, FontProperties(size=size, weight=weight), ismath=False)
    return float(width)  # pixels at 72 dpi: points


@functools.cache
def _renderer():  # type: ignore[no-untyped-def]
    from matplotlib.backends.backend_agg import RendererAgg

    return RendererAgg(8, 8, 72)


def text_width(text: str, size: float) -> float:
    """Width of one line of ``text`` in points at font ``size`` (the default font)."""
    return _measure(text, float(size))


def wrap(name: str, width_pt: float, lines: int, size: float) -> str | None:
    """``name`` broken at spaces into at most ``lines`` lines no wider than ``width_pt``
    points, or None when it does not fit whole (no word is ever cut)."""
    words = name.split()
    if not words or lines < 1:
        return None
    out: list[str] = []
    current = ""
    for word in words:
        trial = f"{current} {word}" if current else word
        if text_width(trial, size) <= width_pt:
            current = trial
            continue
        if not current or text_width(word, size) > width_pt:
            return None  # a single word wider than the box
        out.append(current)
        current = word
    out.append(current)
    return "\n".join(out) if len(out) <= lines else None


@dataclass
class Key:
    """Numbers of the boxes that show one instead of their name, shared by a figure's panels."""

    entries: dict[tuple[str, str], int] = field(default_factory=dict)
    """(step id, whole name) -> number, in numbering order (a step merged under its id
    gets a number of its own for its new name)."""

    def number(self, step: str, name: str) -> int:
        return self.entries.setdefault((step, name), len(self.entries) + 1)

    def lines(self) -> list[tuple[str, str]]:
        """``(step id, "n  whole name")`` for every numbered step."""
        return [(sid, f"{k}  {name}") for (sid, name), k in self.entries.items()]


@dataclass(frozen=True)
class Label:
    """What one box shows: its wrapped name, or its number (``numbered``), inside or above."""

    text: str
    numbered: bool
    above: bool
    size: float


def plan_labels(layout: _layout.Swimlane, *, xmax: float, width_inches: float,
                row_inches: float, font: float, key: Key) -> dict[str, Label]:
    """The label of every step box of ``layout`` (aggregate blocks show their count).

    ``width_inches`` is the width of the time axis for ``xmax`` time units, ``row_inches``
    the height of a sub-row; ``key`` receives the numbered steps.
    """
    per_unit = width_inches * 72 / max(xmax, 1e-9)  # points per time unit
    box_pt = BOX_HEIGHT * row_inches * 72
    fit_lines = max(1, math.floor((box_pt - 2) / (font * LINE)))
    out: dict[str, Label] = {}
    steps = [b for b in layout.boxes if b.kind != "aggregate"]
    for b in layout.boxes:
        width_pt = max(b.finish - b.start, xmax * 0.004) * per_unit - 2 * PAD
        if b.kind == "aggregate":
            # a block of other steps says how many it holds, when that fits inside it and
            # clear of the step boxes drawn over it
            text = b.label if text_width(b.label, font) <= width_pt else str(b.count)
            half = (text_width(text, font) / 2 + PAD) / per_unit
            mid = (b.start + max(b.finish, b.start + xmax * 0.004)) / 2
            if text_width(text, font) <= width_pt and not any(
                    o.lane == b.lane and o.row == b.row and o.start < mid + half
                    and max(o.finish, o.start + xmax * 0.004) > mid - half for o in steps):
                out[b.key] = Label(text, False, False, font)
            continue
        name = " ".join(b.label.split()) or b.key
        whole = wrap(name, width_pt, fit_lines, font)
        if whole is not None:
            out[b.key] = Label(whole, False, False, font)
            continue
        number = str(key.number(b.key, name))
        out[b.key] = Label(number, True, text_width(number, font) > width_pt, font)
    return out
