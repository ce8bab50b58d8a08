"""Duration distributions: exact means and vectorized sampling.

A duration in a process file is either a plain number (a fixed duration) or a
mapping with a ``dist`` key:

- ``{dist: triangular, low, mode, high}``
- ``{dist: pert, low, mode, high}`` (beta-PERT with shape 4, mean (low+4·mode+high)/6)
- ``{dist: uniform, low, high}``
- ``{dist: lognormal, median, p90}`` or ``{dist: lognormal, mu, sigma}``
- ``{dist: empirical, values: [...]}`` (resampled with replacement)
- ``{dist: exponential, mean}`` (memoryless: queueing, service times)
- ``{dist: gamma, mean, sd}``

Every duration is non-negative and finite. :func:`mean_of` gives the exact
mean, :func:`variance_of` the exact variance (:func:`scv_of` its squared coefficient of
variation, for queueing formulas), and :func:`sample` draws ``n`` values at once
from a numpy Generator.

>>> import numpy as np
>>> d = Triangular(low=1, mode=2, high=6)
>>> d.mean
3.0
>>> sample(d, np.random.default_rng(0), 4).shape
(4,)
>>> mean_of(2.5)
2.5
"""

from __future__ import annotations

import math
import numbers
from abc import abstractmethod
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    SerializerFunctionWrapHandler,
    Tag,
    model_serializer,
    model_validator,
)

from procsimp._checks import _shown, check_number, validated
from procsimp._shared import share_fields_set
from procsimp.errors import OptionError

#: z-score of the 90th percentile of the standard normal distribution.
Z90 = 1.2815515655446004

#: Largest duration parameter accepted, in time units (a billion days is already absurd);
#: the bound keeps every mean, sum and sample finite.
MAX_DURATION = 1e9

#: A scaled duration whose mean is below this (in time units: 1e-12 days is 86 ns) is 0.
NEGLIGIBLE = 1e-12

#: Most draws one call of ``sample`` makes (400 MB of floats; the simulation's own bound on
#: cases, ``procsimp.simulation.MAX_CASES``, is the same).
MAX_DRAWS = 50_000_000

NonNegative = Annotated[float, Field(ge=0, le=MAX_DURATION, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0, le=MAX_DURATION, allow_inf_nan=False)]


class _Dist(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    @model_validator(mode="after")
    def _checked(self) -> Any:
        # one call per duration: the family's own rule, then (frozen) the field set shared
        # with durations that have the same fields set (see procsimp._shared)
        self._check()
        share_fields_set(self)
        return self

    def _check(self) -> None:
        """Raise ``ValueError`` when the parameters do not fit together (each family's rule)."""

    @model_serializer(mode="wrap")
    def _keep_dist(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # ``dist`` names the distribution: never dropped, even with exclude_defaults
        return {"dist": self.dist, **handler(self)}  # type: ignore[attr-defined]

    @property
    @abstractmethod
    def mean(self) -> float:
        """The exact mean."""

    @property
    @abstractmethod
    def variance(self) -> float:
        """The exact variance (used by the queueing formulas of :mod:`procsimp.capacity`)."""

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` independent draws from the random generator ``rng``."""
        if not isinstance(rng, np.random.Generator):
            raise OptionError(f"{type(self).__name__}.sample: rng must be a numpy Generator "
                              f"(np.random.default_rng(seed)), got {type(rng).__name__}")
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or not 0 <= n <= MAX_DRAWS:
            raise OptionError(f"{type(self).__name__}.sample: n must be an integer from 0 to "
                              f"{MAX_DRAWS:,} (draws), got {type(n).__name__} {n!r:.40}")
        return self._draw(rng, int(n))

    @abstractmethod
    def _draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` independent draws (arguments checked)."""


class _ThreePoint(_Dist):
    """A three-point estimate: ``low <= mode <= high``."""

    dist: str
    low: NonNegative
    mode: NonNegative
    high: NonNegative

    def _check(self) -> None:
        if not self.low <= self.mode <= self.high:
            raise ValueError(
                f"{self.dist} needs low <= mode <= high, got {self.low}, {self.mode}, {self.high}"
            )


class Triangular(_ThreePoint):
    """Triangular distribution on [low, high] with its peak at ``mode``."""

    dist: Literal["triangular"] = "triangular"

    @property
    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3.0

    @property
    def variance(self) -> float:
        a, c, b = self.low, self.mode, self.high
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18.0

    def _draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        if self.low == self.high:
            return np.full(n, self.low)
        return rng.triangular(self.low, self.mode, self.high, n)


class Pert(_ThreePoint):
    """Beta-PERT distribution (shape 4): the classic three-point estimate."""

    dist: Literal["pert"] = "pert"

    @property
    def mean(self) -> float:
        return (self.low + 4.0 * self.mode + self.high) / 6.0

    @property
    def variance(self) -> float:
        # beta(alpha, beta) on [low, high] with alpha + beta = 6
        span = self.high - self.low
        if span == 0:
            return 0.0
        a = 1.0 + 4.0 * (self.mode - self.low) / span
        b = 1.0 + 4.0 * (self.high - self.mode) / span
        return span * span * a * b / (36.0 * 7.0)

    def _draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        span = self.high - self.low
        if span == 0:
            return np.full(n, self.low)
        a = 1.0 + 4.0 * (self.mode - self.low) / span
        b = 1.0 + 4.0 * (self.high - self.mode) / span
        return self.low + span * rng.beta(a, b, n)


class Uniform(_Dist):
    """Uniform distribution on [low, high]."""

    dist: Literal["uniform"] = "uniform"
    low: NonNegative
    high: NonNegative

    def _check(self) -> None:
        if self.low > self.high:
            raise ValueError(f"uniform needs low <= high, got {self.low}, {self.high}")

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2.0

    @property
    def variance(self) -> float:
        return (self.high - self.low) ** 2 / 12.0

    def _draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.uniform(self.low, self.high, n)


class Lognormal(_Dist):
    """Lognormal distribution, given by ``median`` and ``p90`` or by ``mu`` and ``sigma``.

    Analysts rarely know ``mu``/``sigma``; "usually a day, one case in ten takes
    four" is ``{median: 1, p90: 4}``.
    """

    dist: Literal["lognormal"] = "lognormal"
    median: Positive | None = None
    p90: Positive | None = None
    mu: Annotated[float, Field(allow_inf_nan=False)] | None = None
    sigma: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = None

    def _check(self) -> None:
        by_quantiles = self.median is not None or self.p90 is not None
        by_moments = self.mu is not None or self.sigma is not None
        if by_quantiles == by_moments:
            raise ValueError("lognormal needs either median and p90, or mu and sigma")
        if by_quantiles:
            if self.median is None or self.p90 is None:
                raise ValueError("lognormal needs both median and p90")
            if self.p90 < self.median:
                raise ValueError(
                    f"lognormal needs p90 >= median, got median {self.median}, p90 {self.p90}"
                )
        elif self.mu is None or self.sigma is None:
            raise ValueError("lognormal needs both mu and sigma")
        if not self.mean <= MAX_DURATION:
            raise ValueError(f"lognormal parameters give a mean above {MAX_DURATION:g}; check "
                             f"mu and sigma (or median and p90)")

    @property
    def params(self) -> tuple[float, float]:
        """``(mu, sigma)`` of the underlying normal distribution."""
        if self.mu is not None and self.sigma is not None:
            return self.mu, self.sigma
        assert self.median is not None and self.p90 is not None
        return math.log(self.median), math.log(self.p90 / self.median) / Z90

    @property
    def mean(self) -> float:
        mu, sigma = self.params
        try:
            return math.exp(mu + sigma * sigma / 2.0)
        except OverflowError:
            return math.inf

    @property
    def variance(self) -> float:
        mu, sigma = self.params
        try:
            return math.expm1(sigma * sigma) * math.exp(2.0 * mu + sigma * sigma)
        except OverflowError:
            return math.inf

    def _draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        mu, sigma = self.params
        return rng.lognormal(mu, sigma, n)


class Empirical(_Dist):
    """Observed durations, resampled with replacement (a bootstrap)."""

    dist: Literal["empirical"] = "empirical"
    values: Annotated[tuple[NonNegative, ...], Field(min_length=1)]

    @property
    def mean(self) -> float:
        return math.fsum(self.values) / len(self.values)

    @property
    def variance(self) -> float:
        # resampling with replacement: the variance of the observed values (divisor n)
        m = self.mean
        return math.fsum((v - m) ** 2 for v in self.values) / len(self.values)

    def _draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.choice(np.asarray(self.values, dtype=float), n)


class Exponential(_Dist):
    """Exponential distribution with the given mean (rate 1/mean)."""

    dist: Literal["exponential"] = "exponential"
    mean_: Positive = Field(alias="mean")

    model_config = ConfigDict(populate_by_name=True)

    @model_serializer(mode="wrap")
    def _mean_key(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return {"dist": self.dist, "mean": self.mean_}

    @property
    def mean(self) -> float:
        return self.mean_

    def _draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.exponential(self.mean_, n)

    @property
    def variance(self) -> float:
        return self.mean_ * self.mean_


class Gamma(_Dist):
    """Gamma distribution given by its mean and standard deviation (shape (mean/sd)^2)."""

    dist: Literal["gamma"] = "gamma"
    mean_: Positive = Field(alias="mean")
    sd: Positive

    model_config = ConfigDict(populate_by_name=True)

    @model_serializer(mode="wrap")
    def _mean_key(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return {"dist": self.dist, "mean": self.mean_, "sd": self.sd}

    @property
    def shape(self) -> float:
        """Shape ``k = (mean / sd)^2``; the scale is ``sd^2 / mean``."""
        return (self.mean_ / self.sd) ** 2

    @property
    def mean(self) -> float:
        return self.mean_

    def _draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.gamma(self.shape, self.sd * self.sd / self.mean_, n)

    @property
    def variance(self) -> float:
        return self.sd * self.sd


class Sum(_Dist):
    """The sum of several durations (what merging steps produces).

    ``{dist: sum, parts: [2, {dist: triangular, low: 1, mode: 2, high: 4}]}``
    """

    dist: Literal["sum"] = "sum"
    parts: Annotated[tuple[Duration, ...], Field(min_length=1)]

    @model_validator(mode="before")
    @classmethod
    def _flatten(cls, data: Any) -> Any:
        # a sum of sums is one sum of all their parts (same draws, in the same order):
        # flattening here, without recursion, lets a file nest sums to any depth and keeps
        # every later walk over a duration (mean, sampling, saving) one level deep
        if not isinstance(data, dict) or not isinstance(data.get("parts"), (list, tuple)):
            return data
        flat: list[Any] = []
        stack: list[Any] = list(reversed(data["parts"]))
        while stack:
            part = stack.pop()
            inner = (part.parts if isinstance(part, Sum) else
                     part.get("parts") if isinstance(part, dict) and part.get("dist") == "sum"
                     and set(part) <= {"dist", "parts"} else None)
            if isinstance(inner, (list, tuple)) and inner:
                stack.extend(reversed(inner))
            else:
                flat.append(part)
        return {**data, "parts": flat}

    @property
    def mean(self) -> float:
        return math.fsum(mean_of(p) for p in self.parts)

    @property
    def variance(self) -> float:
        # the parts are drawn independently
        return math.fsum(variance_of(p) for p in self.parts)

    def _draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        total = np.zeros(n)
        for part in self.parts:
            total += sample(part, rng, n)
        return total


Distribution = Triangular | Pert | Uniform | Lognormal | Empirical | Exponential | Gamma | Sum


def _duration_tag(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return "fixed"
    if isinstance(value, dict):
        dist = value.get("dist")
        return dist if isinstance(dist, str) else None
    if isinstance(value, _Dist):
        return value.dist  # type: ignore[attr-defined,no-any-return]
    return None


#: A duration field: a fixed non-negative number or one of the distributions.
Duration = Annotated[
    (
        Annotated[NonNegative, Tag("fixed")]
        | Annotated[Triangular, Tag("triangular")]
        | Annotated[Pert, Tag("pert")]
        | Annotated[Uniform, Tag("uniform")]
        | Annotated[Lognormal, Tag("lognormal")]
        | Annotated[Empirical, Tag("empirical")]
        | Annotated[Exponential, Tag("exponential")]
        | Annotated[Gamma, Tag("gamma")]
        | Annotated[Sum, Tag("sum")]
    ),
    Discriminator(
        _duration_tag,
        custom_error_type="duration",
        custom_error_message=(
            "a duration is a non-negative number or a mapping with dist: "
            "triangular | pert | uniform | lognormal | empirical | exponential | gamma | sum"
        ),
    ),
]


def mean_of(duration: float | _Dist) -> float:
    """The exact mean of a duration (a number or a distribution).

    Checks its argument itself, as :func:`~procsimp._checks.validated` would, without the
    wrapper's cost: the engines call it once per step and edge.
    """
    if isinstance(duration, float) and 0.0 <= duration < math.inf:  # the common case first
        return float(duration)
    if isinstance(duration, _Dist):
        return duration.mean
    if isinstance(duration, numbers.Real) and not isinstance(duration, bool):
        return check_number(duration, "mean_of", "duration", low=0)
    raise OptionError(f"mean_of: duration must be a number or a distribution (Triangular, "
                      f"Pert, Uniform, Lognormal, ...), got {_shown(duration)}")


def variance_of(duration: float | _Dist) -> float:
    """The exact variance of a duration (0 for a fixed number).

    >>> variance_of(Exponential(mean=3))
    9.0
    >>> variance_of(Uniform(low=0, high=6))
    3.0
    """
    if isinstance(duration, _Dist):
        return duration.variance
    return 0.0


def scv_of(duration: float | _Dist) -> float:
    """Squared coefficient of variation ``variance / mean**2`` (1 for an exponential,
    0 for a fixed duration; 0 when the mean is 0).

    >>> scv_of(Gamma(mean=12, sd=15))
    1.5625
    """
    m = mean_of(duration)
    return variance_of(duration) / (m * m) if m > 0 else 0.0


def is_fixed(duration: float | _Dist) -> bool:
    """True when the duration is a plain number (no randomness)."""
    return not isinstance(duration, _Dist)


def sample(duration: float | _Dist, rng: np.random.Generator, n: int) -> np.ndarray:
    """Draw ``n`` values of a duration as a float array."""
    if isinstance(duration, _Dist):
        return duration.sample(rng, n)
    return np.full(n, float(duration))


def add(*durations: float | _Dist) -> float | _Dist:
    """The sum of durations: a number if all are fixed, else a :class:`Sum` (flattened).

    Fixed parts add up to one number unless it would exceed :data:`MAX_DURATION`, the
    bound of a fixed duration; they are then kept apart in a :class:`Sum`, so that the
    result is always a duration a process file may hold.

    >>> add(1, 2.5)
    3.5
    >>> add(1, Uniform(low=0, high=2)).mean
    2.0
    >>> add(1e9, 1e9)
    Sum(dist='sum', parts=(1000000000.0, 1000000000.0))
    """
    parts: list[float | _Dist] = []
    fixed: list[float] = []
    for d in durations:
        for part in (d.parts if isinstance(d, Sum) else (d,)):
            if isinstance(part, _Dist):
                parts.append(part)
            elif part:
                fixed.append(float(part))
    total = math.fsum(fixed)
    if total <= MAX_DURATION:
        fixed = [total] if total else []
    if not parts and len(fixed) <= 1:
        return fixed[0] if fixed else 0.0
    parts[:0] = fixed
    return parts[0] if len(parts) == 1 else Sum(parts=tuple(parts))


@validated
def scaled(duration: float | _Dist, factor: float) -> float | _Dist:
    """The duration multiplied by ``factor`` (>= 0), in the same family; a distribution
    whose mean would fall below :data:`NEGLIGIBLE` becomes 0.

    >>> scaled(Triangular(low=1, mode=2, high=6), 0.5).mean
    1.5
    """
    if isinstance(factor, bool) or not isinstance(factor, (int, float)) or factor < 0 \
            or not math.isfinite(factor):
        raise OptionError(f"scaled: factor must be a finite number >= 0, got {factor!r:.40}")
    if not isinstance(duration, _Dist):
        return float(duration) * factor
    if factor == 0 or factor * duration.mean < NEGLIGIBLE:
        # a part so small that its parameters would underflow (a median of 0 is no
        # lognormal): it is 0 to within NEGLIGIBLE time units
        return 0.0
    if isinstance(duration, (Triangular, Pert)):
        return duration.model_copy(update={"low": duration.low * factor,
                                           "mode": duration.mode * factor,
                                           "high": duration.high * factor})
    if isinstance(duration, Uniform):
        return duration.model_copy(update={"low": duration.low * factor,
                                           "high": duration.high * factor})
    if isinstance(duration, Lognormal):
        if duration.mu is not None:
            return duration.model_copy(update={"mu": duration.mu + math.log(factor)})
        assert duration.median is not None and duration.p90 is not None
        return duration.model_copy(update={"median": duration.median * factor,
                                           "p90": duration.p90 * factor})
    if isinstance(duration, Empirical):
        return duration.model_copy(update={"values": tuple(v * factor for v in duration.values)})
    if isinstance(duration, Exponential):
        return duration.model_copy(update={"mean_": duration.mean_ * factor})
    if isinstance(duration, Gamma):
        return duration.model_copy(update={"mean_": duration.mean_ * factor,
                                           "sd": duration.sd * factor})
    assert isinstance(duration, Sum)
    return Sum(parts=tuple(scaled(p, factor) for p in duration.parts))


Sum.model_rebuild()


__all__ = [
    "MAX_DURATION",
    "NEGLIGIBLE",
    "Distribution",
    "Duration",
    "Empirical",
    "Exponential",
    "Gamma",
    "Lognormal",
    "Pert",
    "Sum",
    "Triangular",
    "Uniform",
    "add",
    "is_fixed",
    "mean_of",
    "sample",
    "scaled",
    "scv_of",
    "variance_of",
]
