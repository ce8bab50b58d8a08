"""Figures of processes, comparisons and simulations (matplotlib, no pyplot).

Every function takes an optional ``ax`` (or axes) to draw into and returns the
:class:`matplotlib.figure.Figure`; none calls ``plt.show()``. Save with
``fig.savefig("x.png")`` (or ``.svg``, ``.pdf``). Layout is computed apart
from drawing, in :mod:`procsimp.layout` (shared with Mermaid, DOT and BPMN).

- :func:`process`: time-scaled swimlane diagram of one process.
- :func:`before_after`: two swimlanes on one time axis, with a headline.
- :func:`gantt`: one bar per step (per role when there are many steps).
- :func:`distribution`: ECDFs of simulated lead time with p50 and p90 marked.
- :func:`savings`: waterfall of lead time and layers cut by each pass.
- :func:`front`: the trade-off among the plans :func:`procsimp.seek` examined.
- :func:`portfolio`: lead time before vs after across a catalogue, totals per scenario.
- :func:`utilisation`: each role's utilisation before and after a reform (the load it moves).
- :func:`deck`: the figures of a slide deck for one simplification, at one size and style;
  :func:`save_deck` writes them (SVG keeps its text as text).

In the swimlanes every box shows its step's whole name or a number listed, with the
whole name, in the key under the figure; exclusive edges carry their probability and
send-backs are drawn as return arrows with their rate.
"""

from procsimp.plot._before_after import before_after
from procsimp.plot._capacity import utilisation
from procsimp.plot._deck import deck, save_deck
from procsimp.plot._distribution import distribution
from procsimp.plot._front import front
from procsimp.plot._gantt import gantt
from procsimp.plot._portfolio import portfolio
from procsimp.plot._process import process
from procsimp.plot._savings import savings

__all__ = ["before_after", "deck", "distribution", "front", "gantt", "portfolio", "process",
           "save_deck", "savings", "utilisation"]
