"""Confidence intervals of simulated figures, and when they cannot be trusted.

Lead times are skewed to the right (a few cases wait very long), and the
textbook interval of a mean, ``mean +- 1.96 s / sqrt(n)``, then covers the
true mean less often than it claims: for a lognormal lead time with median 1
and p90 10 it covers 74 % of the time at 50 cases and 89 % at 1,000. procsimp
uses Hall's skewness-corrected interval instead (P. Hall, "On the removal of
skewness by transformation", J. R. Statist. Soc. B 54 (1992) 221-228; the
form of Zhou & Dinh, Biostatistics 6 (2005) 187-200), which is the textbook
interval when the samples are symmetric and moves and widens it on the side of
the long tail otherwise. Quantiles get distribution-free intervals from order
statistics.

No interval holds its coverage for every distribution at every sample size,
so :func:`precision_notes` says when the reported intervals may not: fewer
than :data:`MIN_CASES` cases, or a lead time so skewed that Cochran's rule
(``n > 25 g^2``, ``g`` the sample skewness; W. G. Cochran, *Sampling
Techniques*, 1977, sec. 2.15) asks for more cases. Simulation results carry
these notes, and :func:`procsimp.simulate` warns with a
:class:`~procsimp.PrecisionWarning`.

>>> import numpy as np
>>> x = np.random.default_rng(0).lognormal(0, 1, 10_000)
>>> lo, hi = mean_interval(x)
>>> bool(lo < np.exp(0.5) < hi)
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from procsimp.durations import Lognormal, Sum

if TYPE_CHECKING:
    from procsimp.model import Process

#: Cases below which the intervals are reported with a warning that they are approximate.
MIN_CASES = 1_000
#: z of a two-sided 95 % interval.
Z95 = 1.959963984540054


def skewness(samples: np.ndarray) -> float:
    """The sample skewness ``m3 / s^3`` (0 for fewer than three cases or no spread)."""
    n = len(samples)
    if n < 3:
        return 0.0
    centred = samples - samples.mean()
    sd = math.sqrt(float(np.mean(centred * centred)))
    if sd <= 0 or not math.isfinite(sd):
        return 0.0
    # standardise first: the third moment of tiny values (1e-132) would underflow to 0
    z = centred / sd
    return float(np.mean(z * z * z))


def mean_interval(samples: np.ndarray, z: float = Z95) -> tuple[float, float]:
    """Hall's skewness-corrected confidence interval of the mean (``nan`` below two cases).

    With ``W = (mean - mu) / s`` and ``g`` the sample skewness, Hall's statistic
    ``sqrt(n) (W + g W^2 / 3 + g^2 W^3 / 27 + g / (6 n))`` is close to standard normal
    even for skewed samples; the interval inverts it, ``W + g W^2 / 3 + g^2 W^3 / 27 =
    ((1 + g W / 3)^3 - 1) / g`` being monotone in ``W``. For ``g = 0`` it is the normal
    interval ``mean +- z s / sqrt(n)``.

    >>> lo, hi = mean_interval(np.array([1.0, 2.0, 3.0, 4.0]))
    >>> round(lo, 3), round(hi, 3)
    (1.235, 3.765)
    """
    n = len(samples)
    if n < 2:
        return math.nan, math.nan
    mean = float(samples.mean())
    s = float(samples.std(ddof=1))
    if s == 0 or not math.isfinite(s):
        return mean, mean
    g = skewness(samples)
    shift = g / (6 * n)
    upper_w = _inverse(z / math.sqrt(n) - shift, g)
    lower_w = _inverse(-z / math.sqrt(n) - shift, g)
    return mean - upper_w * s, mean - lower_w * s


def _inverse(y: float, g: float) -> float:
    """``W`` with ``W + g W^2 / 3 + g^2 W^3 / 27 = y``."""
    if abs(g) < 1e-12:
        return y
    return 3.0 * (float(np.cbrt(1.0 + g * y)) - 1.0) / g


def quantile_interval(ordered: np.ndarray, q: float, z: float = Z95) -> tuple[float, float]:
    """Distribution-free interval of the ``q`` quantile of sorted samples (order statistics).

    The ranks ``n q +- z sqrt(n q (1 - q))`` bound the quantile with the stated confidence
    (normal approximation to the binomial count of samples below it).
    """
    n = len(ordered)
    if n < 2:
        return math.nan, math.nan
    half = z * math.sqrt(n * q * (1 - q))
    lo = min(max(math.floor(n * q - half), 0), n - 1)
    hi = min(max(math.ceil(n * q + half), 0), n - 1)
    return float(ordered[lo]), float(ordered[hi])


def precision_notes(samples: np.ndarray, what: str = "lead time", *,
                    heavy_tails: Mapping[str, float] | None = None) -> tuple[str, ...]:
    """Why the intervals of these samples may cover less than they claim (empty: no reason).

    ``heavy_tails`` maps steps to the exact skewness of their durations
    (:func:`heavy_tailed_steps`): a sample can miss a heavy tail that the model has (the
    cases that would reveal it are rare), so the model is checked as well as the sample.
    """
    n = len(samples)
    notes = []
    if n < 2:
        return (f"{n} case{'' if n == 1 else 's'}: no interval can be given; simulate at "
                f"least {MIN_CASES:,} cases",)
    if n < MIN_CASES:
        notes.append(f"only {n:,} cases: the 95% intervals are approximate and may cover less "
                     f"than 95%; simulate at least {MIN_CASES:,}")
        return tuple(notes)
    g = skewness(samples)
    if n < 25 * g * g:
        notes.append(f"the simulated {what} is very skewed (sample skewness {g:.1f}): the "
                     f"interval of its mean may cover less than 95% below about "
                     f"{_round_up(25 * g * g):,} cases (Cochran's rule, n > 25 g^2)")
    tails = {sid: gs for sid, gs in (heavy_tails or {}).items() if n < 25 * gs * gs}
    if tails:
        worst = max(tails, key=lambda sid: tails[sid])
        others = f" and {len(tails) - 1} more" if len(tails) > 1 else ""
        notes.append(f"step {worst!r}{others} has a heavy-tailed duration (skewness "
                     f"{tails[worst]:.3g}): the interval of the mean {what} may cover less than "
                     f"95% below about {_round_up(25 * tails[worst] ** 2):,} cases (Cochran's "
                     f"rule); the quantiles' intervals still hold")
    return tuple(notes)


def lognormal_skewness(sigma: float) -> float:
    """Exact skewness of a lognormal distribution, ``(e^s2 + 2) sqrt(e^s2 - 1)``.

    >>> round(lognormal_skewness(1.0), 3)
    6.185
    """
    try:
        e = math.exp(sigma * sigma)
    except OverflowError:
        return math.inf
    return (e + 2) * math.sqrt(e - 1)


def heavy_tailed_steps(process: Process) -> dict[str, float]:
    """Steps whose durations have a lognormal part, with that part's exact skewness.

    The lognormal is the one family here whose skewness has no bound (it grows as
    ``e^(1.5 sigma^2)``); the others (triangular, PERT, uniform, a list of observations)
    are bounded and need no such check.
    """
    tails: dict[str, float] = {}
    for step in process.steps:
        parts = step.duration.parts if isinstance(step.duration, Sum) else (step.duration,)
        skews = [lognormal_skewness(p.params[1]) for p in parts if isinstance(p, Lognormal)]
        if skews:
            tails[step.id] = max(skews)
    return tails


def _round_up(x: float) -> int:
    """``x`` rounded up to two significant digits (a case count to ask for)."""
    if x <= 0 or not math.isfinite(x):
        return 0
    step = 10 ** max(0, math.floor(math.log10(x)) - 1)
    return int(math.ceil(x / step) * step)


__all__ = ["MIN_CASES", "Z95", "heavy_tailed_steps", "lognormal_skewness", "mean_interval",
           "precision_notes", "quantile_interval", "skewness"]
