"""Validation allocates little for the garbage collector (issue 18: "allocate less rather
than switch the collector off"): predecessors written as plain ids are one shared model
per id within a process, models with the same fields set share one field set, and a
validated step leaves few tracked objects behind."""

from __future__ import annotations

import gc

import pytest
from pydantic import ValidationError

import procsimp as ps
from benchmarks.generate import layered_data

BASE = {"levels": ["staff"], "roles": [{"id": "c", "level": "staff"}]}


def test_plain_predecessors_are_shared_within_a_process():
    p = ps.Process.model_validate({**BASE, "steps": [
        {"id": "a", "role": "c"},
        {"id": "b", "role": "c", "after": ["a"]},
        {"id": "x", "role": "c", "after": ["a", {"step": "b", "hard": True}]},
        {"id": "y", "role": "c", "after": [{"step": "a", "delay": 2}]}]})
    b, x, y = p.step("b"), p.step("x"), p.step("y")
    assert b.after[0] is x.after[0]  # one model for the plain edge from "a"
    assert y.after[0] is not b.after[0] and y.after[0].delay == 2.0  # an edge with options
    assert x.after[1].hard
    # a second process does not reuse the first one's models, and values are unchanged
    q = ps.Process.model_validate(p.model_dump())
    assert q == p and q.step("b").after[0] is not b.after[0]
    # outside a process, a step gets its own predecessor
    s = ps.Step.model_validate({"id": "s", "role": "c", "after": ["a"]})
    assert s.after[0] == b.after[0] and s.after[0] is not b.after[0]


def test_a_validated_step_leaves_few_tracked_objects():
    ps.Process.model_validate(layered_data(50, width=5))  # lazy imports and caches first
    data = layered_data(5_000, width=50)
    gc.collect()
    before = len(gc.get_objects())
    proc = ps.Process.model_validate(data)
    gc.collect()
    per_step = (len(gc.get_objects()) - before) / len(proc.steps)
    # 4.7 measured: the Step, its dict and its tuple of edges, the duration and 0.8 of a
    # shared predecessor (the analysis rows are untracked tuples); 7.3 while every step,
    # duration and predecessor had its own field set, 9.8 before edges were shared
    assert per_step < 5.5, per_step


def test_models_share_their_field_sets_and_copies_do_not_leak():
    p = ps.Process.model_validate({**BASE, "steps": [
        {"id": "a", "role": "c", "duration": {"dist": "triangular", "low": 1, "mode": 2,
                                              "high": 3}},
        {"id": "b", "role": "c",
         "duration": {"dist": "triangular", "low": 2, "mode": 3, "high": 4}},
        {"id": "x", "role": "c", "after": ["a", "b"], "locked": True}]})
    a, b, x = p.steps
    assert a.model_fields_set == {"id", "role", "duration"}
    assert a.model_fields_set is b.model_fields_set  # same fields set: one shared set
    assert a.duration.model_fields_set is b.duration.model_fields_set
    assert x.model_fields_set == {"id", "role", "after", "locked"}
    # model_copy(update=...) changes the copy's own set, never the shared one
    c = a.model_copy(update={"cost": 5.0})
    assert c.model_fields_set == {"id", "role", "duration", "cost"}
    assert a.model_fields_set == b.model_fields_set == {"id", "role", "duration"}
    # what is saved (fields set and non-default) is unchanged by the sharing
    assert a.model_dump(exclude_unset=True) == {
        "id": "a", "role": "c", "duration": {"dist": "triangular", "low": 1.0, "mode": 2.0,
                                             "high": 3.0}}
    assert ps.loads(ps.dumps(p)) == p


def test_a_shared_plain_edge_is_what_pydantic_would_build():
    from procsimp.model import _plain_edge

    for step_id in ("a", "x" * 200, "Kepala Seksi / 2"):
        built, validated = _plain_edge(step_id), ps.Predecessor.model_validate(step_id)
        assert built == validated and built.__dict__ == validated.__dict__
        assert built.model_fields_set == validated.model_fields_set
        assert built.__pydantic_extra__ == validated.__pydantic_extra__
        assert built.__pydantic_private__ == validated.__pydantic_private__
        assert built.model_dump() == validated.model_dump() and ps.Predecessor.model_validate(
            built.model_dump()) == built


def test_an_overlong_plain_predecessor_is_still_refused_by_its_length():
    with pytest.raises(ValidationError, match="step 'a': String should have at most 200"):
        ps.Process.model_validate({**BASE, "steps": [{"id": "a", "role": "c",
                                                      "after": ["s" * 201]}]})


def test_a_subclass_that_is_not_frozen_keeps_its_own_field_set():
    from pydantic import ConfigDict

    class Editable(ps.Step):
        model_config = ConfigDict(frozen=False)

    a = Editable.model_validate({"id": "a", "role": "c"})
    b = Editable.model_validate({"id": "b", "role": "c"})
    assert a.model_fields_set is not b.model_fields_set
    a.cost = 3.0
    assert a.model_fields_set == {"id", "role", "cost"} and b.model_fields_set == {"id", "role"}


def test_field_sets_survive_pickling_and_copies():
    import copy
    import pickle

    p = ps.Process.model_validate({**BASE, "steps": [{"id": "a", "role": "c"},
                                                    {"id": "b", "role": "c", "after": ["a"]}]})
    for q in (pickle.loads(pickle.dumps(p)), copy.deepcopy(p), p.model_copy(deep=True)):
        assert q == p
        assert [s.model_fields_set for s in q.steps] == [s.model_fields_set for s in p.steps]
