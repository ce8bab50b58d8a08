"""Example tests of the process model: defaults, forms, durations, immutability, graph view."""

from __future__ import annotations

import math
from typing import Any

import networkx as nx
import numpy as np
import pytest
from pydantic import ValidationError

import procsimp as ps
from procsimp.durations import (
    MAX_DURATION,
    Empirical,
    Lognormal,
    Pert,
    Triangular,
    Uniform,
    mean_of,
    sample,
)

Z90 = 1.2815515655446004  # z-score of the 90th percentile of the standard normal


def one_step(**step: Any) -> dict[str, Any]:
    """A process with one role and one step ``a`` (fields of the step overridable)."""
    return {
        "levels": ["staff"],
        "roles": [{"id": "clerk", "level": "staff"}],
        "steps": [{"id": "a", "role": "clerk", **step}],
    }


def chain(**process: Any) -> dict[str, Any]:
    """a -> b by one role, then c by another role."""
    return {
        "levels": ["head", "staff"],
        "roles": [{"id": "boss", "level": "head"},
                  {"id": "clerk", "level": "staff", "reports_to": "boss"}],
        "steps": [
            {"id": "a", "role": "clerk", "duration": 1},
            {"id": "b", "role": "clerk", "duration": 2, "after": ["a"]},
            {"id": "c", "role": "boss", "duration": 3, "after": ["b"]},
        ],
        **process,
    }


class TestDefaults:
    def test_empty_process(self) -> None:
        p = ps.Process.model_validate({})
        assert p.name == "process"
        assert p.time_unit == "day"
        assert p.handoff_delay == 0
        assert p.levels == p.roles == p.steps == ()
        assert p.description == ""

    def test_process_fields(self, letter_process: ps.Process) -> None:
        assert letter_process.name == "Outgoing letter approval"
        assert letter_process.handoff_delay == 1
        assert [lv.id for lv in letter_process.levels] == [
            "head", "echelon_3", "echelon_4", "staff"]

    def test_step_defaults(self) -> None:
        step = ps.Process.model_validate(one_step()).step("a")
        assert step.kind == "task"
        assert step.join == "all"
        assert step.name == "a"
        assert step.after == step.needs == step.produces == ()
        assert step.duration == 0
        assert step.work is None
        assert step.cost == 0
        assert step.rework is None
        assert not step.locked

    @pytest.mark.parametrize("name", [None, ""])
    def test_name_defaults_to_id(self, name: str | None) -> None:
        data = one_step() if name is None else one_step(name=name)
        assert ps.Process.model_validate(data).step("a").name == "a"

    def test_explicit_name_kept(self) -> None:
        assert ps.Process.model_validate(one_step(name="Draft")).step("a").name == "Draft"

    def test_role_defaults(self) -> None:
        role = ps.Process.model_validate(one_step()).role("clerk")
        assert role.reports_to is None
        assert not role.locked
        assert role.rate == 0

    def test_level_defaults(self) -> None:
        level = ps.Process.model_validate(one_step()).levels[0]
        assert level == ps.Level(id="staff")
        assert level.name is None
        assert not level.locked

    def test_predecessor_defaults(self) -> None:
        edge = ps.Process.model_validate(chain()).step("b").after[0]
        assert edge == ps.Predecessor(step="a")
        assert edge.p is None and edge.delay is None and not edge.hard

    def test_rework_defaults(self) -> None:
        rw = ps.Rework(to="a", p=0.2)
        assert rw.mode == "repeat"
        assert rw.delay is None

    def test_time_units(self) -> None:
        for unit in ("hour", "day", "week"):
            assert ps.Process.model_validate({"time_unit": unit}).time_unit == unit
        with pytest.raises(ValidationError, match="time_unit"):
            ps.Process.model_validate({"time_unit": "fortnight"})


class TestAfterForms:
    def test_string_equals_mapping(self) -> None:
        as_string = ps.Process.model_validate(chain())
        data = chain()
        data["steps"][1]["after"] = [{"step": "a"}]
        assert ps.Process.model_validate(data) == as_string

    def test_mapping_with_options(self) -> None:
        data = chain()
        data["steps"][2]["after"] = [{"step": "b", "delay": 4, "hard": True}]
        edge = ps.Process.model_validate(data).step("c").after[0]
        assert edge.step == "b"
        assert edge.delay == 4
        assert edge.hard

    def test_predecessors_property(self, letter_process: ps.Process) -> None:
        assert letter_process.step("sign").predecessors == ("initial_division",)
        assert letter_process.step("draft").predecessors == ()

    def test_plain_edge_dumps_as_string(self) -> None:
        data = ps.Process.model_validate(chain()).model_dump(mode="json")
        assert data["steps"][1]["after"] == ["a"]

    def test_edge_with_options_dumps_as_mapping(self) -> None:
        data = chain()
        data["steps"][2]["after"] = [{"step": "b", "hard": True}]
        dumped = ps.Process.model_validate(data).model_dump(mode="json")
        assert dumped["steps"][2]["after"][0]["step"] == "b"
        assert dumped["steps"][2]["after"][0]["hard"] is True

    def test_level_string_equals_mapping(self) -> None:
        data = one_step()
        data["levels"] = [{"id": "staff"}]
        assert ps.Process.model_validate(data) == ps.Process.model_validate(one_step())

    def test_level_mapping_with_options(self) -> None:
        data = one_step()
        data["levels"] = [{"id": "staff", "name": "Staf", "locked": True}]
        level = ps.Process.model_validate(data).levels[0]
        assert (level.id, level.name, level.locked) == ("staff", "Staf", True)
        assert ps.Process.model_validate(data).model_dump(mode="json")["levels"] == [
            {"id": "staff", "name": "Staf", "locked": True}]

    def test_plain_level_dumps_as_string(self) -> None:
        assert ps.Process.model_validate(one_step()).model_dump(mode="json")["levels"] == [
            "staff"]


class TestDurationMeans:
    def test_fixed(self) -> None:
        assert mean_of(2.5) == 2.5
        assert mean_of(3) == 3.0
        assert ps.Process.model_validate(one_step(duration=4)).step("a").duration == 4.0

    def test_triangular(self) -> None:
        d = Triangular(low=1, mode=2, high=6)
        assert d.mean == pytest.approx((1 + 2 + 6) / 3)
        assert mean_of(d) == d.mean

    def test_pert(self) -> None:
        d = Pert(low=1, mode=2, high=9)
        assert d.mean == pytest.approx((1 + 4 * 2 + 9) / 6)

    def test_uniform(self) -> None:
        assert Uniform(low=2, high=7).mean == pytest.approx(4.5)

    def test_lognormal_median_p90(self) -> None:
        sigma = math.log(4 / 1.5) / Z90
        mu = math.log(1.5)
        d = Lognormal(median=1.5, p90=4)
        assert d.mean == pytest.approx(math.exp(mu + sigma**2 / 2))
        assert d.params == pytest.approx((mu, sigma))

    def test_lognormal_median_equals_p90_is_fixed(self) -> None:
        assert Lognormal(median=2, p90=2).mean == pytest.approx(2)

    def test_lognormal_mu_sigma(self) -> None:
        assert Lognormal(mu=0.5, sigma=0.3).mean == pytest.approx(math.exp(0.5 + 0.3**2 / 2))

    def test_empirical(self) -> None:
        assert Empirical(values=[1, 2, 2, 7]).mean == pytest.approx(3.0)

    @pytest.mark.parametrize(
        ("raw", "cls"),
        [
            ({"dist": "triangular", "low": 0.5, "mode": 1, "high": 3}, Triangular),
            ({"dist": "pert", "low": 0.5, "mode": 1, "high": 3}, Pert),
            ({"dist": "uniform", "low": 0.5, "high": 3}, Uniform),
            ({"dist": "lognormal", "median": 1, "p90": 4}, Lognormal),
            ({"dist": "lognormal", "mu": 0, "sigma": 1}, Lognormal),
            ({"dist": "empirical", "values": [1, 2, 3]}, Empirical),
        ],
    )
    def test_parsed_from_a_step(self, raw: dict[str, Any], cls: type) -> None:
        step = ps.Process.model_validate(one_step(duration=raw, work=raw)).step("a")
        assert isinstance(step.duration, cls)
        assert isinstance(step.work, cls)

    @pytest.mark.parametrize(
        "raw",
        [
            {"dist": "triangular", "low": 3, "mode": 1, "high": 2},
            {"dist": "pert", "low": 1, "mode": 5, "high": 2},
            {"dist": "uniform", "low": 3, "high": 2},
            {"dist": "lognormal", "median": 1},
            {"dist": "lognormal", "median": 4, "p90": 1},
            {"dist": "lognormal", "median": 1, "p90": 4, "mu": 0, "sigma": 1},
            {"dist": "lognormal", "mu": 0, "sigma": -1},
            {"dist": "lognormal", "median": 0, "p90": 1},
            {"dist": "lognormal", "mu": 1000, "sigma": 1},
            {"dist": "empirical", "values": []},
            {"dist": "empirical", "values": [1, -1]},
            {"dist": "gamma", "shape": 2},
            {"low": 1, "high": 2},
            "two days",
            True,
            -1,
        ],
    )
    def test_invalid_durations_name_the_step(self, raw: Any) -> None:
        with pytest.raises(ValidationError) as info:
            ps.Process.model_validate(one_step(duration=raw))
        assert "'a'" in str(info.value)
        assert "duration" in str(info.value)

    @pytest.mark.parametrize(
        "raw",
        [
            {"dist": "lognormal", "mu": 709, "sigma": 2},
            {"dist": "empirical", "values": [1e308, 1e308]},
            {"dist": "triangular", "low": 1e308, "mode": 1e308, "high": 1.7e308},
            {"dist": "uniform", "low": 1.7e308, "high": 1.7e308},
        ],
        ids=["lognormal", "empirical", "triangular", "uniform"],
    )
    def test_an_infinite_mean_is_refused(self, raw: dict[str, Any]) -> None:
        """Like lognormal, every family refuses finite parameters whose mean overflows."""
        try:
            p = ps.Process.model_validate(one_step(duration=raw))
        except ValidationError as exc:
            assert "'a'" in str(exc)
            return
        assert math.isfinite(mean_of(p.step("a").duration))
        assert math.isfinite(p.graph.nodes["a"]["duration"])

class TestSampling:
    N = 200_000

    @staticmethod
    def _std(d: Any) -> float:
        if isinstance(d, Triangular):
            a, c, b = d.low, d.mode, d.high
            return math.sqrt((a * a + b * b + c * c - a * b - a * c - b * c) / 18)
        if isinstance(d, Pert):
            m = d.mean
            return math.sqrt((m - d.low) * (d.high - m) / 7)
        if isinstance(d, Uniform):
            return (d.high - d.low) / math.sqrt(12)
        if isinstance(d, Lognormal):
            mu, sigma = d.params
            return math.sqrt((math.exp(sigma**2) - 1) * math.exp(2 * mu + sigma**2))
        assert isinstance(d, Empirical)
        return float(np.std(d.values))

    @pytest.mark.parametrize(
        "d",
        [
            Triangular(low=0.5, mode=1, high=3),
            Pert(low=1, mode=2, high=9),
            Pert(low=1, mode=1, high=4),
            Uniform(low=2, high=7),
            Lognormal(median=1, p90=4),
            Lognormal(mu=0.5, sigma=0.3),
            Empirical(values=[1, 2, 2, 7]),
        ],
        ids=lambda d: type(d).__name__,
    )
    def test_sample_mean_converges(self, d: Any) -> None:
        x = sample(d, np.random.default_rng(0), self.N)
        assert x.shape == (self.N,)
        assert np.all(x >= 0)
        tolerance = 5 * self._std(d) / math.sqrt(self.N)
        assert abs(x.mean() - d.mean) < tolerance
        assert abs(x.std() - self._std(d)) < 0.05 * self._std(d)

    @pytest.mark.parametrize(
        "d",
        [Triangular(low=0.5, mode=1, high=3), Pert(low=1, mode=2, high=9),
         Uniform(low=2, high=7)],
        ids=lambda d: type(d).__name__,
    )
    def test_bounded_samples_stay_in_range(self, d: Any) -> None:
        x = sample(d, np.random.default_rng(1), 10_000)
        assert x.min() >= d.low
        assert x.max() <= d.high

    def test_empirical_draws_only_observed_values(self) -> None:
        x = sample(Empirical(values=[1, 2, 7]), np.random.default_rng(2), 1000)
        assert set(np.unique(x)) <= {1.0, 2.0, 7.0}

    @pytest.mark.parametrize(
        "d",
        [3.0, Triangular(low=2, mode=2, high=2), Pert(low=2, mode=2, high=2),
         Uniform(low=2, high=2), Lognormal(median=2, p90=2), Empirical(values=[2])],
        ids=lambda d: type(d).__name__,
    )
    def test_degenerate_distributions_are_constant(self, d: Any) -> None:
        x = sample(d, np.random.default_rng(3), 100)
        expected = 3.0 if d == 3.0 else 2.0
        assert np.allclose(x, expected)
        assert mean_of(d) == pytest.approx(expected)

    def test_pert_huge_span_is_refused_and_a_wide_one_spreads(self) -> None:
        with pytest.raises(ValidationError, match="less than or equal"):
            Pert(low=0, mode=1, high=1.7e308)
        d = Pert(low=0, mode=1, high=MAX_DURATION)
        x = sample(d, np.random.default_rng(0), 1000)
        assert x.max() > d.mean / 10

    def test_same_seed_same_draws(self) -> None:
        d = Lognormal(median=1, p90=4)
        a = sample(d, np.random.default_rng(7), 50)
        b = sample(d, np.random.default_rng(7), 50)
        assert np.array_equal(a, b)


class TestFrozen:
    def test_process_assignment_raises(self, letter_process: ps.Process) -> None:
        with pytest.raises(ValidationError):
            letter_process.name = "other"  # type: ignore[misc]

    def test_step_assignment_raises(self, letter_process: ps.Process) -> None:
        with pytest.raises(ValidationError):
            letter_process.step("draft").duration = 5  # type: ignore[misc]

    def test_role_level_edge_rework_duration_assignment_raises(self) -> None:
        data = chain()
        data["steps"][2]["rework"] = {"to": "a", "p": 0.2}
        data["steps"][2]["duration"] = {"dist": "uniform", "low": 1, "high": 2}
        p = ps.Process.model_validate(data)
        targets = [(p.role("boss"), "level"), (p.levels[0], "id"),
                   (p.step("b").after[0], "step"), (p.step("c").rework, "p"),
                   (p.step("c").duration, "low")]
        for obj, attr in targets:
            with pytest.raises(ValidationError):
                setattr(obj, attr, 0)

    def test_collections_are_tuples(self, letter_process: ps.Process) -> None:
        assert isinstance(letter_process.steps, tuple)
        assert isinstance(letter_process.step("initial_section").after, tuple)

    def test_model_copy_leaves_original(self, letter_process: ps.Process) -> None:
        renamed = letter_process.model_copy(update={"name": "Other"})
        assert renamed.name == "Other"
        assert letter_process.name == "Outgoing letter approval"


class TestEquality:
    def test_same_data_equal(self, letter: dict[str, Any]) -> None:
        assert ps.Process.model_validate(letter) == ps.Process.model_validate(letter)

    def test_different_content_not_equal(self, letter: dict[str, Any]) -> None:
        p = ps.Process.model_validate(letter)
        letter["steps"][0]["duration"] = 3
        assert ps.Process.model_validate(letter) != p

    def test_not_equal_to_other_types(self, letter_process: ps.Process) -> None:
        assert letter_process != 3
        assert letter_process != letter_process.model_dump()

    def test_loaded_equals_validated(self, letter_process: ps.Process, tmp_path: Any) -> None:
        path = tmp_path / "letter.yaml"
        ps.save(letter_process, path)
        loaded = ps.load(path)
        assert loaded.source == path
        assert letter_process.source is None
        assert loaded == letter_process
        assert hash(loaded) == hash(letter_process)

    def test_hashable(self, letter: dict[str, Any]) -> None:
        a = ps.Process.model_validate(letter)
        b = ps.Process.model_validate(letter)
        assert hash(a) == hash(b)
        assert len({a, b}) == 1
        assert {a: 1}[b] == 1

    def test_repr_names_the_process(self, letter_process: ps.Process) -> None:
        assert "Outgoing letter approval" in repr(letter_process)
        assert "4 steps" in str(letter_process)


class TestGraph:
    def test_frozen_digraph(self, letter_process: ps.Process) -> None:
        g = letter_process.graph
        assert isinstance(g, nx.DiGraph)
        assert nx.is_frozen(g)
        with pytest.raises(nx.NetworkXError):
            g.add_edge("sign", "draft")
        with pytest.raises(nx.NetworkXError):
            g.remove_node("draft")
        assert nx.DiGraph(g).number_of_edges() == 3  # a mutable copy is allowed

    def test_edges(self, letter_process: ps.Process) -> None:
        g = letter_process.graph
        assert set(g.nodes) == {"draft", "initial_section", "initial_division", "sign"}
        assert set(g.edges) == {("draft", "initial_section"),
                                ("initial_section", "initial_division"),
                                ("initial_division", "sign")}
        assert g.nodes["draft"]["step"] is letter_process.step("draft")

    def test_handoff_delay_between_roles_only(self) -> None:
        g = ps.Process.model_validate(chain(handoff_delay=2)).graph
        assert g.edges["a", "b"]["delay"] == 0  # same role
        assert g.edges["b", "c"]["delay"] == 2
        assert g.edges["a", "b"]["p"] is None

    def test_edge_override_and_distribution_delay(self) -> None:
        data = chain(handoff_delay=2)
        data["steps"][1]["after"] = [{"step": "a", "delay": 5}]
        data["steps"][2]["after"] = [{"step": "b", "delay": {"dist": "uniform", "low": 1,
                                                             "high": 3}}]
        g = ps.Process.model_validate(data).graph
        assert g.edges["a", "b"]["delay"] == 5
        assert g.edges["b", "c"]["delay"] == pytest.approx(2)
        assert g.edges["b", "c"]["edge"].delay == Uniform(low=1, high=3)

    def test_probabilities(self) -> None:
        p = ps.Process.model_validate({
            "levels": ["staff"], "roles": [{"id": "clerk", "level": "staff"}],
            "steps": [
                {"id": "A", "role": "clerk", "duration": 10},
                {"id": "B", "role": "clerk", "duration": 20, "after": [{"step": "A", "p": 0.9}]},
                {"id": "C", "role": "clerk", "duration": 10, "after": [{"step": "A", "p": 0.1}]},
                {"id": "done", "role": "clerk", "join": "any", "after": ["B", "C"]},
            ]})
        g = p.graph
        assert g.edges["A", "B"]["p"] == 0.9
        assert g.edges["A", "C"]["p"] == 0.1
        assert g.edges["B", "done"]["p"] is None

    def test_rework_is_not_an_edge(self) -> None:
        data = chain()
        data["steps"][2]["rework"] = {"to": "a", "p": 0.3}
        g = ps.Process.model_validate(data).graph
        assert nx.is_directed_acyclic_graph(g)
        assert not g.has_edge("c", "a")


class TestLookup:
    def test_step_and_role(self, letter_process: ps.Process) -> None:
        assert letter_process.step("sign").kind == "signature"
        assert letter_process.role("analyst").reports_to == "section_head"

    def test_unknown_step_names_valid_ids(self, letter_process: ps.Process) -> None:
        with pytest.raises(ps.ModelError, match="'sing'") as info:
            letter_process.step("sing")
        for sid in ("draft", "initial_section", "initial_division", "sign"):
            assert sid in str(info.value)
        assert isinstance(info.value, ps.ProcsimpError)

    def test_unknown_role_names_valid_ids(self, letter_process: ps.Process) -> None:
        with pytest.raises(ps.ModelError, match="'minister'") as info:
            letter_process.role("minister")
        for rid in ("head_of_office", "division_head", "section_head", "analyst"):
            assert rid in str(info.value)

    def test_level_of_and_rank(self, letter_process: ps.Process) -> None:
        assert letter_process.level_of("sign").id == "head"
        assert letter_process.level_of(letter_process.step("draft")).id == "staff"
        assert letter_process.rank("head") == 0
        assert letter_process.rank("staff") == 3


class TestRework:
    def test_forms(self) -> None:
        data = chain()
        data["steps"][2]["rework"] = {"to": "a", "p": 0.25, "delay": 1, "mode": "once"}
        rw = ps.Process.model_validate(data).step("c").rework
        assert rw == ps.Rework(to="a", p=0.25, delay=1, mode="once")

    def test_self_rework(self) -> None:
        data = one_step(rework={"to": "a", "p": 0.5})
        assert ps.Process.model_validate(data).step("a").rework.to == "a"  # type: ignore[union-attr]

    def test_certain_rework_only_once(self) -> None:
        ps.Process.model_validate(one_step(rework={"to": "a", "p": 1, "mode": "once"}))
        with pytest.raises(ValidationError, match="'a'"):
            ps.Process.model_validate(one_step(rework={"to": "a", "p": 1}))
