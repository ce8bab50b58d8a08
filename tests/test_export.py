"""Mermaid and Graphviz DOT export: lanes per level, escaped labels, saving by suffix."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from strategies import processes

import procsimp as ps
from procsimp.io.dot import dumps_dot
from procsimp.io.mermaid import dumps_mermaid

HOSTILE = {
    "name": 'evil "graph" {',
    "levels": [{"id": "top", "name": 'A "level" ]; end'}, "bottom"],
    "roles": [{"id": "r1", "level": "top"}, {"id": "r2\n-->", "level": "bottom"}],
    "steps": [
        {"id": "a", "name": 'x"] --> y[" \\ %% ; }', "role": "r2\n-->", "duration": 1},
        {"id": "b", "name": "<b>sign</b>\n#1", "role": "r1", "kind": "signature",
         "after": [{"step": "a", "p": 1.0}], "rework": {"to": "a", "p": 0.25}},
    ],
}


class TestMermaid:
    def test_subgraph_per_level(self, letter_process: ps.Process) -> None:
        text = dumps_mermaid(letter_process)
        assert text.startswith("flowchart LR\n")
        assert text.count("subgraph ") == 4
        assert text.count("\n  end\n") == 4
        assert "n0 --> n1" in text
        assert "{{" in text  # approvals and signatures are hexagons

    def test_hostile_labels_are_escaped(self) -> None:
        text = dumps_mermaid(ps.Process.model_validate(HOSTILE))
        body = text.split("\n", 1)[1]
        for line in body.splitlines():
            # every quoted label holds no raw quote, bracket or line break
            if '"' in line:
                inside = line.split('"')[1::2]
                assert all(not set(chunk) & set('"[]{}<>\n') for chunk in inside)
        assert "n1 -. " in text and ".-> n0" in text
        assert '-- "p=1" -->' in text

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(processes(choices=True, rework=True, text_ids=True))
    def test_every_step_and_edge_once(self, proc: ps.Process) -> None:
        text = dumps_mermaid(proc)
        for i in range(len(proc.steps)):
            assert sum(line.strip().startswith((f"n{i}[", f"n{i}{{"))
                       for line in text.splitlines()) == 1
        edges = sum(len(s.after) + (s.rework is not None) for s in proc.steps)
        assert sum(("-->" in line or ".->" in line) and not line.strip().startswith("subgraph")
                   for line in text.splitlines()) == edges


class TestDot:
    def test_clusters_per_level(self, letter_process: ps.Process) -> None:
        text = dumps_dot(letter_process)
        assert text.startswith('digraph "Outgoing letter approval" {')
        assert text.count("subgraph \"cluster_") == 4
        assert "n0 -> n1;" in text

    def test_hostile_labels_are_escaped(self) -> None:
        text = dumps_dot(ps.Process.model_validate(HOSTILE))
        assert '\\"graph\\"' in text
        assert "\n-->" not in text
        assert 'style=dashed, constraint=false' in text

    @pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
    def test_graphviz_accepts_it(self, tmp_path: Path) -> None:
        path = tmp_path / "x.dot"
        ps.save(ps.Process.model_validate(HOSTILE), path)
        subprocess.run(["dot", "-Tsvg", str(path), "-o", str(tmp_path / "x.svg")], check=True)


class TestSaveBySuffix:
    @pytest.mark.parametrize(("suffix", "start"), [(".mmd", "flowchart LR"),
                                                    (".dot", "digraph")])
    def test_save(self, suffix: str, start: str, letter_process: ps.Process,
                  tmp_path: Path) -> None:
        path = tmp_path / f"letter{suffix}"
        ps.save(letter_process, path)
        assert path.read_text(encoding="utf-8").startswith(start)
        with pytest.raises(ps.FileFormatError, match="export-only"):
            ps.load(path)

    def test_dumps_by_format(self, letter_process: ps.Process) -> None:
        assert ps.dumps(letter_process, "mermaid") == dumps_mermaid(letter_process)
        assert ps.dumps(letter_process, "dot") == dumps_dot(letter_process)
        with pytest.raises(ps.FileFormatError, match="export-only"):
            ps.loads("flowchart LR\n", "mermaid")
