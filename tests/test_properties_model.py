"""Property tests of the model and the files: generated processes validate, round trips are
lossless, and no input makes the loaders raise anything but a ProcsimpError."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from typing import Any

import networkx as nx
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from strategies import (
    garbage,
    invalid_process_dicts,
    mutated_process_dicts,
    process_dicts,
    processes,
    tangled_process_dicts,
    texts,
)

import procsimp as ps
from procsimp.io.plain import from_data

FLAGS = ("choices", "rework", "needs", "open_choices", "text_ids", "shuffle")
EVERYTHING = dict.fromkeys(FLAGS, True)


def _ids(edges: tuple[ps.Predecessor, ...]) -> list[str]:
    return [e.step for e in edges]


class TestGeneratedProcesses:
    @given(data=st.data())
    def test_valid_by_construction(self, data: st.DataObject) -> None:
        flags = data.draw(st.fixed_dictionaries({f: st.booleans() for f in FLAGS}), "flags")
        raw = data.draw(process_dicts(**flags), "raw")
        p = ps.Process.model_validate(raw)  # the strategy only builds valid processes
        assert p == from_data(raw)
        assert len(p.steps) == len(raw["steps"]) >= 1
        assert nx.is_directed_acyclic_graph(p.graph)
        assert set(p.graph.nodes) == {s.id for s in p.steps}
        if not flags.get("shuffle"):  # built in topological order
            seen: set[str] = set()
            for s in p.steps:
                assert set(s.predecessors) <= seen
                seen.add(s.id)

    @given(p=processes(choices=True, rework=True))
    def test_choices_are_closed_and_rework_points_back(self, p: ps.Process) -> None:
        g = p.graph
        for s in p.steps:
            out_p = [g.edges[s.id, w]["p"] for w in g.successors(s.id)]
            with_p = [x for x in out_p if x is not None]
            assert not with_p or (len(with_p) == len(out_p) and abs(sum(with_p) - 1) < 1e-9)
            if s.rework is not None:
                assert s.rework.to == s.id or nx.has_path(g, s.rework.to, s.id)

    @given(p=processes(needs=True))
    def test_needs_are_produced_by_ancestors(self, p: ps.Process) -> None:
        for s in p.steps:
            made = {a for u in nx.ancestors(p.graph, s.id) for a in p.step(u).produces}
            assert set(s.needs) <= made

    @given(p=processes(**EVERYTHING))
    def test_dump_validates_back(self, p: ps.Process) -> None:
        assert ps.Process.model_validate(p.model_dump()) == p
        assert ps.Process.model_validate(p.model_dump(mode="json")) == p
        assert hash(ps.Process.model_validate(p.model_dump())) == hash(p)


class TestRoundTrip:
    @given(p=processes(**EVERYTHING))
    def test_text_round_trip_is_lossless(self, p: ps.Process) -> None:
        for fmt in ("yaml", "json"):
            text = ps.dumps(p, fmt)
            back = ps.loads(text, fmt)
            assert back == p
            assert ps.dumps(back, fmt) == text  # and stable
        assert yaml.safe_load(ps.dumps(p, "yaml")) == json.loads(ps.dumps(p, "json"))

    @given(p=processes(**EVERYTHING), suffix=st.sampled_from([".yaml", ".yml", ".json"]))
    def test_file_round_trip_is_lossless(self, p: ps.Process, suffix: str) -> None:
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "p" + suffix)
            ps.save(p, path)
            back = ps.load(path)
            assert back == p
            assert str(back.source) == path
            assert os.listdir(d) == ["p" + suffix]  # no temporary file left


class TestFuzz:
    @given(text=texts(max_size=200), fmt=st.sampled_from(["yaml", "json"]))
    def test_loads_text(self, text: str, fmt: str) -> None:
        with contextlib.suppress(ps.ProcsimpError):
            ps.loads(text, fmt)

    @given(raw=st.binary(max_size=200), fmt=st.sampled_from(["yaml", "json"]))
    def test_loads_bytes(self, raw: bytes, fmt: str) -> None:
        with contextlib.suppress(ps.ProcsimpError):
            ps.loads(raw, fmt)

    @given(data=garbage(), fmt=st.sampled_from(["yaml", "json"]))
    def test_loads_serialized_garbage(self, data: Any, fmt: str) -> None:
        text = json.dumps(data) if fmt == "json" else yaml.safe_dump(data)
        with contextlib.suppress(ps.ProcsimpError):
            ps.loads(text, fmt)

    @given(data=garbage())
    def test_from_data_garbage(self, data: Any) -> None:
        with contextlib.suppress(ps.ProcsimpError):
            from_data(data)

    @given(data=garbage())
    def test_model_validate_garbage_raises_only_validation_error(self, data: Any) -> None:
        with contextlib.suppress(ValidationError):
            ps.Process.model_validate(data)

    @given(data=mutated_process_dicts(choices=True, rework=True, needs=True))
    def test_from_data_mutated(self, data: Any) -> None:
        with contextlib.suppress(ps.ProcsimpError):
            from_data(data)

    @given(data=tangled_process_dicts())
    def test_from_data_tangled_structure(self, data: Any) -> None:
        try:
            p = from_data(data, source="tangled.yaml")
        except ps.ModelError as exc:
            assert "tangled.yaml" in str(exc)
            assert exc.problems
        else:
            assert nx.is_directed_acyclic_graph(p.graph)

    @given(data=mutated_process_dicts(choices=True, rework=True, needs=True))
    def test_load_mutated_file(self, data: Any) -> None:
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "mutated.yaml")
            with open(path, "w", encoding="utf-8") as fh:
                yaml.safe_dump(data, fh, allow_unicode=True)
            try:
                ps.load(path)
            except ps.ProcsimpError as exc:
                assert "mutated.yaml" in str(exc)


class TestInvalidDicts:
    @given(bad=invalid_process_dicts(choices=True, rework=True, needs=True))
    def test_from_data_names_the_culprit(self, bad: Any) -> None:
        with pytest.raises(ps.ModelError) as info:
            from_data(bad.data, source="bad.yaml")
        msg = str(info.value)
        assert "bad.yaml" in msg
        assert info.value.problems
        for needle in bad.needles:
            assert needle in msg, f"{bad.kind}: {needle!r} not in {msg}"

    @given(bad=invalid_process_dicts(choices=True, rework=True, needs=True, text_ids=True,
                                     shuffle=True))
    def test_model_validate_names_the_culprit(self, bad: Any) -> None:
        with pytest.raises(ValidationError) as info:
            ps.Process.model_validate(bad.data)
        msg = str(info.value)
        for needle in bad.needles:
            assert needle in msg, f"{bad.kind}: {needle!r} not in {msg}"

    @given(bad=invalid_process_dicts(rework=True))
    def test_load_names_file_and_culprit(self, bad: Any) -> None:
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "invalid.json")
            with open(path, "w", encoding="utf-8") as fh:
                json.dump(bad.data, fh)
            with pytest.raises(ps.ModelError) as info:
                ps.load(path)
        msg = str(info.value)
        assert "invalid.json" in msg
        for needle in bad.needles:
            assert needle in msg, f"{bad.kind}: {needle!r} not in {msg}"
