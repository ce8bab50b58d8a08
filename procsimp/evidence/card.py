"""The calibration card: how well a fitted model reproduces cases it did not see.

The test cases' real lead times are set against as many lead times simulated from the
fitted model. Each figure (the Wasserstein distance between the two distributions, the
errors of the mean, median and p90, the error of each on-time share) comes with its
**noise floor**: the same figure between two random halves of the real test cases,
averaged over many random splits. An error at or below its floor is as small as
sampling noise can show; an error well above it is the model's.

>>> import numpy as np
>>> wasserstein(np.array([0.0, 1.0, 2.0]), np.array([1.0, 2.0, 3.0]))
1.0
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from procsimp.render import Cell, Renderable, Table, Tables

#: Random half-splits averaged for each noise floor.
SPLITS = 200


def wasserstein(a: np.ndarray, b: np.ndarray) -> float:
    """The 1-Wasserstein (earth mover's) distance between two samples: the area between
    their empirical distribution functions, in the samples' unit."""
    a = np.sort(np.asarray(a, dtype=float))
    b = np.sort(np.asarray(b, dtype=float))
    if not len(a) or not len(b):
        return float("nan")
    grid = np.concatenate([a, b])
    grid.sort(kind="mergesort")
    widths = np.diff(grid)
    fa = np.searchsorted(a, grid[:-1], side="right") / len(a)
    fb = np.searchsorted(b, grid[:-1], side="right") / len(b)
    return float(np.sum(np.abs(fa - fb) * widths))


def _stats(x: np.ndarray) -> tuple[float, float, float]:
    return float(np.mean(x)), float(np.quantile(x, 0.5)), float(np.quantile(x, 0.9))


@dataclass(frozen=True)
class OnTimeCheck:
    """One deadline on the card: real and simulated on-time shares and the floor."""

    id: str
    within: float
    real: float
    simulated: float
    noise_floor: float
    undecided: int
    """Open test cases still within their deadline at the end of the log (left out)."""

    @property
    def error(self) -> float:
        return self.simulated - self.real


@dataclass(frozen=True, repr=False)
class Card(Renderable):
    """Held-out validation of a calibration (see the module).

    Figures are in days. ``real`` and ``simulated`` are the lead times compared;
    ``open_cases`` the test cases still open at the end of the log (left out of the
    lead-time comparison, their elapsed time in ``open_elapsed``, a lower bound of their
    lead time); ``on_time`` one :class:`OnTimeCheck` per deadline.
    """

    real: np.ndarray
    simulated: np.ndarray
    wasserstein: float
    noise_floor: float
    errors: dict[str, float]
    """``mean``, ``p50``, ``p90``: simulated minus real, days."""
    floors: dict[str, float]
    """The noise floor of each error in ``errors``."""
    fit_cases: int
    split_time: str
    open_cases: int
    open_elapsed: np.ndarray
    on_time: tuple[OnTimeCheck, ...] = ()
    notes: tuple[str, ...] = field(default=())
    simulated_open: int = 0
    """Simulated test cases still open at the end of the log (the same window as the
    real ones: each simulated case stands for one test case, from its start)."""
    simulated_unseen: int = 0
    """Test cases the fitted model would not yet have shown in the log by its end (their
    first recorded event comes later in every simulated case)."""

    @property
    def test_cases(self) -> int:
        return len(self.real)

    @property
    def within_noise(self) -> bool:
        """The Wasserstein distance is no larger than twice its noise floor."""
        return bool(self.wasserstein <= 2 * self.noise_floor)

    def tables(self) -> Tables:
        def d(x: float) -> Cell:
            return Cell(x, f"{x:.2f} days")

        r, s = _stats(self.real), _stats(self.simulated)
        rows: list[tuple[Any, ...]] = [
            ("Wasserstein distance", "", "", d(self.wasserstein), d(self.noise_floor),
             Cell(self.wasserstein / self.noise_floor if self.noise_floor else float("nan"),
                  f"{self.wasserstein / self.noise_floor:.2f}x" if self.noise_floor
                  else "-"))]
        for k, name in enumerate(("mean", "p50", "p90")):
            err, floor = self.errors[name], self.floors[name]
            rows.append((name, d(r[k]), d(s[k]), d(err), d(floor),
                         Cell(abs(err) / floor if floor else float("nan"),
                              f"{abs(err) / floor:.2f}x" if floor else "-")))
        for c in self.on_time:
            rows.append((f"on time: {c.id} (within {c.within:g} days)",
                         Cell(c.real, f"{c.real:.1%}"), Cell(c.simulated, f"{c.simulated:.1%}"),
                         Cell(c.error, f"{100 * c.error:+.1f} points"),
                         Cell(c.noise_floor, f"{100 * c.noise_floor:.1f} points"),
                         Cell(abs(c.error) / c.noise_floor if c.noise_floor else float("nan"),
                              f"{abs(c.error) / c.noise_floor:.2f}x" if c.noise_floor
                              else "-")))
        notes = [f"fitted on {self.fit_cases} cases started before {self.split_time}; "
                 f"tested on the {self.test_cases} later cases that finished"]
        if self.open_cases:
            notes.append(f"{self.open_cases} later cases were still open at the end of the log "
                         f"(left out of lead times; elapsed so far: median "
                         f"{float(np.median(self.open_elapsed)):.1f} days)")
        notes.append(f"simulated through the same window: each simulated case stands for "
                     f"one test case, from its start to the end of the log; "
                     f"{self.simulated_open} of them were still open at the end")
        if self.simulated_unseen:
            notes.append(f"{self.simulated_unseen} test cases came earlier than the fitted "
                         f"model allows (their first event is sooner than any simulated one)")
        notes.append("noise floor: the same figure between two random halves of the real "
                     f"test cases, averaged over {SPLITS} splits")
        if not self.within_noise:
            notes.append("the lead-time distance is more than twice the noise floor: the "
                         "model misses something the log shows")
        card = Table("Calibration card (held-out cases)",
                     ("figure", "real", "simulated", "error", "noise floor", "error / floor"),
                     tuple(rows), units={"real": "day", "simulated": "day", "error": "day",
                                         "noise floor": "day"},
                     notes=tuple(notes) + self.notes, name="card")
        return Tables((card,))

    def __repr__(self) -> str:
        return (f"Card(test_cases={self.test_cases}, wasserstein={self.wasserstein:.3g}, "
                f"noise_floor={self.noise_floor:.3g})")


def floors(real: np.ndarray, rng: np.random.Generator,
           shares: dict[str, tuple[np.ndarray, float]] | None = None
           ) -> tuple[float, dict[str, float], dict[str, float]]:
    """Noise floors from random halves of ``real``: Wasserstein, mean/p50/p90 and each
    on-time share (``shares``: id -> (per-case on-time flags, unused))."""
    n = len(real)
    half = n // 2
    ws, errs = [], {"mean": [], "p50": [], "p90": []}  # type: ignore[var-annotated]
    share_errs: dict[str, list[float]] = {k: [] for k in (shares or {})}
    for _ in range(SPLITS if n >= 4 else 0):
        perm = rng.permutation(n)
        a, b = perm[:half], perm[half:2 * half]
        ws.append(wasserstein(real[a], real[b]))
        sa, sb = _stats(real[a]), _stats(real[b])
        for k, name in enumerate(("mean", "p50", "p90")):
            errs[name].append(abs(sa[k] - sb[k]))
        for key, (flags, _) in (shares or {}).items():
            p2 = rng.permutation(len(flags))
            h2 = len(flags) // 2
            fa, fb = flags[p2[:h2]], flags[p2[h2:2 * h2]]
            share_errs[key].append(abs(float(fa.mean()) - float(fb.mean())))
    nan = float("nan")
    return (float(np.mean(ws)) if ws else nan,
            {k: float(np.mean(v)) if v else nan for k, v in errs.items()},
            {k: float(np.mean(v)) if v else nan for k, v in share_errs.items()})


__all__ = ["SPLITS", "Card", "OnTimeCheck", "floors", "wasserstein"]
