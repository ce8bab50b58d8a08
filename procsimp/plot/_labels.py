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

__all__ = ["BOX_HEIGHT", "Key", "Label", "Placer", "plan_labels", "text_width", "wrap"]

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


class Placer:
    """Puts the small labels between rows (numbers above narrow boxes, probabilities,
    send-back rates) where no label is yet, in data units of one swimlane axes.

    ``x_pt`` and ``y_pt`` are points per time unit and per sub-row, on the low side (a
    label then takes at least the room it will have).
    """

    def __init__(self, x_pt: float, y_pt: float, x_range: tuple[float, float]) -> None:
        self.x_pt, self.y_pt = x_pt, y_pt
        self.x_range = x_range  # labels stay over the time axis (lane names sit left of it)
        self.taken: list[tuple[float, float, float, float]] = []

    def extent(self, text: str, size: float) -> tuple[float, float]:
        """Half width and half height of ``text`` in data units (with a point of margin)."""
        lines = text.split("\n")
        w = max(text_width(line, size) for line in lines) + 2 * PAD
        h = len(lines) * size * LINE + 2
        return w / 2 / self.x_pt, h / 2 / self.y_pt

    def block(self, x: float, y: float, text: str, size: float) -> None:
        """Mark the room a label centred at ``(x, y)`` takes."""
        hw, hh = self.extent(text, size)
        self.taken.append((x - hw, x + hw, y - hh, y + hh))

    def place(self, x: float, y: float, text: str, size: float) -> tuple[float, float]:
        """The free spot nearest ``(x, y)`` for a label centred there (then marked taken):
        sideways first, then up a little."""
        hw, hh = self.extent(text, size)
        for dy in (0.0, 2 * hh, 4 * hh, -2 * hh):
            for k in range(13):
                dx = (k + 1) // 2 * 2.1 * hw * (1 if k % 2 else -1)
                cx, cy = x + dx, y + dy
                cx = min(max(cx, self.x_range[0] + hw), self.x_range[1] - hw)
                if not any(cx - hw < b and cx + hw > a and cy - hh < d and cy + hh > c
                           for a, b, c, d in self.taken):
                    self.taken.append((cx - hw, cx + hw, cy - hh, cy + hh))
                    return cx, cy
        x = min(max(x, self.x_range[0] + hw), self.x_range[1] - hw)
        self.taken.append((x - hw, x + hw, y - hh, y + hh))
        return x, y
