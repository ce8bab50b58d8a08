"""The workload fields of the model (arrivals, staff, availability, work) and the exact
variances the queueing formulas need.

Variances are checked against numerical integration of each family's density written
here from its textbook definition (not the library's formulas), and against a large
sample where the family is resampled (empirical, sum).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

import procsimp as ps
from procsimp import durations as d
from procsimp.io.plain import to_data


def counter(**extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "counter", "time_unit": "minute", "levels": ["staff"],
        "roles": [{"id": "agent", "level": "staff", "staff": 14, "availability": 0.5}],
        "steps": [{"id": "serve", "role": "agent", "duration": 5,
                   "work": {"dist": "exponential", "mean": 3}}],
        "arrivals": {"rate": 200, "per": "hour"},
    }
    data.update(extra)
    return data


class TestFields:
    def test_defaults_keep_old_files_unchanged(self) -> None:
        proc = ps.Process.model_validate({
            "levels": ["s"], "roles": [{"id": "r", "level": "s"}],
            "steps": [{"id": "a", "role": "r", "duration": 2}]})
        assert proc.arrivals is None
        assert proc.role("r").staff == 1 and proc.role("r").availability == 1.0
        # nothing new appears when the file is written back
        assert to_data(proc) == {"levels": ["s"], "roles": [{"id": "r", "level": "s"}],
                                 "steps": [{"id": "a", "role": "r", "duration": 2.0}]}

    def test_fields_read(self) -> None:
        proc = ps.Process.model_validate(counter())
        assert proc.arrivals is not None
        assert (proc.arrivals.rate, proc.arrivals.per) == (200.0, "hour")
        assert proc.role("agent").staff == 14
        assert proc.role("agent").availability == 0.5
        assert d.mean_of(proc.step("serve").work) == 3.0  # type: ignore[arg-type]

    @pytest.mark.parametrize("fmt", ["yaml", "json"])
    def test_round_trip(self, fmt: str) -> None:
        for arrivals in ({"rate": 120, "per": "month"},
                         {"interarrival": {"dist": "gamma", "mean": 5, "sd": 6}}):
            proc = ps.Process.model_validate(counter(arrivals=arrivals))
            again = ps.loads(ps.dumps(proc, fmt), fmt)
            assert again == proc
            assert again.arrivals == proc.arrivals

    def test_interarrival_mean_gap(self) -> None:
        proc = ps.Process.model_validate(counter(arrivals={"interarrival": 4}))
        assert proc.arrivals is not None and proc.arrivals.mean_gap == 4.0

    @pytest.mark.parametrize("arrivals, words", [
        ({"rate": 10}, "both rate and per"),
        ({"per": "day"}, "both rate and per"),
        ({"rate": 10, "per": "day", "interarrival": 2}, "not both"),
        ({}, "not neither"),
        ({"rate": 0, "per": "day"}, "greater than 0"),
        ({"rate": 10, "per": "fortnight"}, "minute"),
        ({"interarrival": 0}, "mean above 0"),
        ({"rate": 10, "per": "day", "extra": 1}, "extra"),
    ])
    def test_bad_arrivals(self, arrivals: dict[str, Any], words: str) -> None:
        with pytest.raises(ValidationError) as exc:
            ps.Process.model_validate(counter(arrivals=arrivals))
        assert words.lower() in str(exc.value).lower()
        assert "arrivals" in str(exc.value)

    @pytest.mark.parametrize("role, field", [
        ({"staff": 0}, "staff"), ({"staff": 1.5}, "staff"),
        ({"availability": 0}, "availability"), ({"availability": 1.2}, "availability"),
    ])
    def test_bad_role_fields(self, role: dict[str, Any], field: str) -> None:
        data = counter()
        data["roles"] = [{"id": "agent", "level": "staff", **role}]
        with pytest.raises(ValidationError) as exc:
            ps.Process.model_validate(data)
        assert field in str(exc.value) and "roles" in str(exc.value)

    def test_load_names_the_file(self, tmp_path: Any) -> None:
        path = tmp_path / "bad.yaml"
        path.write_text("levels: [s]\nroles: [{id: r, level: s, staff: 0}]\n"
                        "steps: [{id: a, role: r}]\narrivals: {rate: 3}\n")
        with pytest.raises(ps.ProcsimpError) as exc:
            ps.load(path)
        text = str(exc.value)
        assert "bad.yaml" in text and "staff" in text and "arrivals" in text


# --- exact variances ------------------------------------------------------------------

def integrate_variance(pdf: Any, low: float, high: float, n: int = 400_001) -> float:
    x = np.linspace(low, high, n)
    f = pdf(x)
    mass = np.trapezoid(f, x)
    mean = np.trapezoid(x * f, x) / mass
    return float(np.trapezoid((x - mean) ** 2 * f, x) / mass)


def triangular_pdf(a: float, c: float, b: float) -> Any:
    def pdf(x: np.ndarray) -> np.ndarray:
        up = np.where((x >= a) & (x <= c), 2 * (x - a) / ((b - a) * (c - a) or 1), 0.0)
        down = np.where((x > c) & (x <= b), 2 * (b - x) / ((b - a) * (b - c) or 1), 0.0)
        return up + down
    return pdf


def beta_pdf(alpha: float, beta: float, low: float, high: float) -> Any:
    def pdf(x: np.ndarray) -> np.ndarray:
        z = np.clip((x - low) / (high - low), 0, 1)
        return z ** (alpha - 1) * (1 - z) ** (beta - 1)
    return pdf


@pytest.mark.parametrize("dist, pdf, lo, hi", [
    (d.Triangular(low=1, mode=2, high=6), triangular_pdf(1, 2, 6), 1, 6),
    (d.Triangular(low=0, mode=5, high=5), triangular_pdf(0, 5, 5), 0, 5),
    # PERT(1, 2, 6): alpha = 1 + 4*(2-1)/5 = 1.8, beta = 1 + 4*(6-2)/5 = 4.2
    (d.Pert(low=1, mode=2, high=6), beta_pdf(1.8, 4.2, 1, 6), 1, 6),
    (d.Uniform(low=2, high=5), lambda x: np.where((x >= 2) & (x <= 5), 1.0, 0.0), 2, 5),
    (d.Exponential(mean=3), lambda x: np.exp(-x / 3), 0, 3 * 60),
    # gamma mean 4 sd 1: shape 16, scale 1/4; density x^15 e^(-4x)
    (d.Gamma(mean=4, sd=1), lambda x: x ** 15 * np.exp(-x * 4), 0, 20),
    (d.Lognormal(mu=0.5, sigma=0.4),
     lambda x: np.exp(-(np.log(np.maximum(x, 1e-300)) - 0.5) ** 2 / (2 * 0.16))
     / np.maximum(x, 1e-300),
     1e-6, 60),
])
def test_variance_matches_integration(dist: Any, pdf: Any, lo: float, hi: float) -> None:
    # (a gamma of shape < 1 has a singular density at 0: the sample test below covers it)
    assert d.variance_of(dist) == pytest.approx(integrate_variance(pdf, lo, hi), rel=1e-5)


def test_hand_computed_variances() -> None:
    assert d.variance_of(7.5) == 0.0 and d.scv_of(7.5) == 0.0
    assert d.variance_of(d.Exponential(mean=3)) == 9.0  # sd = mean
    assert d.scv_of(d.Exponential(mean=3)) == 1.0
    assert d.variance_of(d.Gamma(mean=5, sd=6)) == 36.0
    assert d.scv_of(d.Gamma(mean=5, sd=6)) == pytest.approx(36 / 25)
    # empirical [1, 2, 6]: mean 3, squared deviations 4, 1, 9 -> 14/3
    assert d.variance_of(d.Empirical(values=(1, 2, 6))) == pytest.approx(14 / 3)
    # uniform(0, 6) variance 36/12 = 3, plus a fixed 2 (no variance), plus exponential 3 (9)
    total = d.add(2, d.Uniform(low=0, high=6), d.Exponential(mean=3))
    assert d.variance_of(total) == pytest.approx(12.0)
    # lognormal median 1, p90 4: sigma = ln 4 / z90
    sigma = math.log(4) / 1.2815515655446004
    assert d.variance_of(d.Lognormal(median=1, p90=4)) == pytest.approx(
        (math.exp(sigma ** 2) - 1) * math.exp(sigma ** 2))


@given(st.sampled_from(["empirical", "sum", "gamma", "exponential", "pert", "triangular"]),
       st.integers(0, 2**31 - 1))
def test_variance_matches_large_sample(family: str, seed: int) -> None:
    dist: Any = {
        "empirical": d.Empirical(values=(0.5, 1, 1, 4, 9)),
        "sum": d.add(d.Exponential(mean=2), d.Triangular(low=0, mode=1, high=5)),
        "gamma": d.Gamma(mean=5, sd=6),
        "exponential": d.Exponential(mean=0.25),
        "pert": d.Pert(low=0, mode=1, high=10),
        "triangular": d.Triangular(low=0, mode=1, high=10),
    }[family]
    x = d.sample(dist, np.random.default_rng(seed), 200_000)
    var = d.variance_of(dist)
    # the sample variance's standard error is about var * sqrt((kurtosis - 1) / n); 6
    # standard errors with a generous kurtosis bound (gamma cv 1.2: excess kurtosis 8.6)
    assert abs(x.var() - var) < 6 * var * math.sqrt(12 / x.size)


def test_scaled_keeps_scv() -> None:
    for dist in (d.Gamma(mean=5, sd=6), d.Pert(low=1, mode=2, high=6), d.Empirical(values=(1, 3))):
        assert d.scv_of(d.scaled(dist, 2.5)) == pytest.approx(d.scv_of(dist))
