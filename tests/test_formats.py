"""The table of formats: options forwarded and refused, one source for suffixes and
messages, no import back from the formats to the dispatcher, one layout for every picture."""

from __future__ import annotations

import functools
import inspect
import re
import subprocess
import sys
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import procsimp as ps
from procsimp import layout
from procsimp.io import bpmn, files
from procsimp.io.base import Format
from tests.imports import import_graph

PACKAGE = Path(ps.__file__).resolve().parent
B = f"{{{bpmn.BPMN}}}"

#: Two lanes, a clerk drafting and a boss choosing between two flows (no probabilities).
LANES_BPMN = f"""<definitions xmlns="{bpmn.BPMN}"><process id="P" name="demo">
<laneSet id="LS"><lane id="L1" name="Clerk"><flowNodeRef>a</flowNodeRef>
<flowNodeRef>c</flowNodeRef><flowNodeRef>d</flowNodeRef></lane>
<lane id="L2" name="Boss"><flowNodeRef>b</flowNodeRef></lane></laneSet>
<task id="a" name="Draft"/><task id="b" name="Decide"/><exclusiveGateway id="g"/>
<task id="c" name="Fix"/><task id="d" name="File"/>
<sequenceFlow id="f0" sourceRef="a" targetRef="b"/>
<sequenceFlow id="f1" sourceRef="b" targetRef="g"/>
<sequenceFlow id="yes" sourceRef="g" targetRef="c"/>
<sequenceFlow id="no" sourceRef="g" targetRef="d"/>
</process></definitions>"""


def tiny() -> ps.Process:
    return ps.Process.model_validate({
        "name": "tiny", "levels": ["head", "staff"],
        "roles": [{"id": "clerk", "level": "staff"}, {"id": "boss", "level": "head"}],
        "steps": [{"id": "a", "role": "clerk", "duration": 1},
                  {"id": "b", "role": "boss", "duration": 2, "after": ["a"]}]})


# --- options ------------------------------------------------------------------------------------


class TestOptionsForwarded:
    def test_load_passes_level_of_and_probabilities_to_the_bpmn_reader(
            self, tmp_path: Path) -> None:
        path = tmp_path / "lanes.bpmn"
        path.write_text(LANES_BPMN, encoding="utf-8")
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # probabilities given: no equal-split warning
            proc = ps.load(path, level_of={"Clerk": "staff", "Boss": "head"},
                           probabilities={"yes": 0.3, "no": 0.7})
        assert [lv.id for lv in proc.levels] == ["staff", "head"]  # order of level_of
        assert proc.role("Boss").level == "head"
        assert proc.role("Clerk").level == "staff"
        after = {s.id: {e.step: e.p for e in s.after} for s in proc.steps}
        assert after["c"] == {"b": 0.3}
        assert after["d"] == {"b": 0.7}
        assert proc.source == path

    def test_without_options_the_defaults_apply(self, tmp_path: Path) -> None:
        path = tmp_path / "lanes.bpmn"
        path.write_text(LANES_BPMN, encoding="utf-8")
        with pytest.warns(bpmn.BpmnImportWarning, match="split equally"):
            proc = ps.load(path)
        assert {r.level for r in proc.roles} == {bpmn.DEFAULT_LEVEL}
        after = {s.id: {e.step: e.p for e in s.after} for s in proc.steps}
        assert after["c"] == {"b": 0.5}

    def test_loads_passes_options_too(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", bpmn.BpmnImportWarning)
            proc = ps.loads(LANES_BPMN, "bpmn", time_unit="week", process="demo")
        assert proc.time_unit == "week"

    def test_the_table_lists_exactly_what_the_reader_takes(self) -> None:
        for reader in (bpmn.loads_bpmn, bpmn.read_bpmn):
            keywords = [name for name, p in inspect.signature(reader).parameters.items()
                        if p.kind is p.KEYWORD_ONLY and name != "source"]
            assert keywords == list(bpmn.FORMAT.options)


class TestOptionsRefused:
    def test_yaml_takes_no_options(self, tmp_path: Path) -> None:
        path = tmp_path / "p.yaml"
        ps.save(tiny(), path)
        with pytest.raises(ps.OptionError, match=r"p\.yaml: reading yaml has no option "
                                                 r"'level_of'; it takes none"):
            ps.load(path, level_of={"x": "y"})

    def test_a_typo_lists_the_valid_options(self, tmp_path: Path) -> None:
        # refused before the file is opened: this one does not exist
        with pytest.raises(ps.OptionError) as caught:
            ps.load(tmp_path / "missing.bpmn", levels={"Clerk": "staff"})
        message = str(caught.value)
        assert "missing.bpmn" in message and "'levels'" in message
        assert "level_of, probabilities, time_unit, process" in message

    def test_loads_refuses_too(self) -> None:
        with pytest.raises(ps.OptionError, match="reading json has no options 'a', 'b'"):
            ps.loads("{}", "json", a=1, b=2)

    def test_writers_take_none(self, tmp_path: Path) -> None:
        path = tmp_path / "p.yaml"
        with pytest.raises(ps.OptionError, match="writing yaml has no option 'indent'"):
            ps.save(tiny(), path, indent=4)
        assert not path.exists()
        with pytest.raises(ps.OptionError, match="writing bpmn has no option 'pretty'"):
            ps.dumps(tiny(), "bpmn", pretty=True)


# --- the table is the one source ----------------------------------------------------------------


def _read_upper(data: str | bytes, *, source: str = "<string>", shout: bool = False) -> ps.Process:
    text = data.decode() if isinstance(data, bytes) else data
    proc = ps.loads(text.lower(), "yaml", source=source)
    return proc.model_copy(update={"name": proc.name.upper()}) if shout else proc


def _write_upper(process: ps.Process) -> str:
    return ps.dumps(process, "yaml").upper()


@pytest.fixture
def upper() -> Iterator[Format]:
    fmt = Format("upper", (".up",), _read_upper, _write_upper, options=("shout",))
    files.register(fmt)
    try:
        yield fmt
    finally:
        files.unregister("upper")


class TestTable:
    def test_formats_is_derived_from_the_table(self) -> None:
        assert files.FORMATS == {".yaml": "yaml", ".yml": "yaml", ".json": "json",
                                 ".bpmn": "bpmn", ".csv": "csv", ".xlsx": "xlsx",
                                 ".mmd": "mermaid", ".dot": "dot"}
        assert ps.io.FORMATS is files.FORMATS
        assert {"mermaid", "dot"} == files.EXPORT_ONLY

    def test_a_registered_format_is_picked_up_everywhere(
            self, upper: Format, tmp_path: Path) -> None:
        proc = tiny()
        path = tmp_path / "p.up"
        ps.save(proc, path)
        assert path.read_text(encoding="utf-8") == ps.dumps(proc, "yaml").upper()
        assert ps.load(path) == proc
        assert ps.load(path, shout=True).name == "TINY"
        assert ps.loads(ps.dumps(proc, "upper"), "upper") == proc
        assert ps.io.FORMATS[".up"] == "upper"
        with pytest.raises(ps.OptionError, match="its options are shout"):
            ps.load(path, whisper=True)
        with pytest.raises(ps.FileFormatError, match=r"use one of .*\.dot, \.up$"):
            ps.load(tmp_path / "p.txt")
        with pytest.raises(ps.FileFormatError,
                           match="use yaml, json, bpmn, csv, xlsx, mermaid, dot or upper"):
            ps.dumps(proc, "nope")
        with pytest.raises(ps.FileFormatError, match="use yaml, json, bpmn, csv, xlsx or upper"):
            ps.loads("", "nope")

    def test_unregistering_removes_it(self, tmp_path: Path) -> None:
        files.register(Format("upper", (".up",), _read_upper, _write_upper))
        files.unregister("upper")
        assert ".up" not in files.FORMATS
        with pytest.raises(ps.FileFormatError, match=r"cannot write a \.up file"):
            ps.save(tiny(), tmp_path / "p.up")

    def test_an_export_only_format_cannot_be_loaded(self, tmp_path: Path) -> None:
        files.register(Format("shout", (".shout",), None, _write_upper))
        try:
            path = tmp_path / "p.shout"
            ps.save(tiny(), path)
            with pytest.raises(ps.FileFormatError,
                               match=r"\.shout files are export-only.*"
                                     r"load the \.yaml, \.json, \.bpmn, \.csv or \.xlsx"):
                ps.load(path)
            with pytest.raises(ps.FileFormatError, match="shout is an export-only format"):
                ps.loads("x", "shout")
            assert "shout" in files.EXPORT_ONLY
        finally:
            files.unregister("shout")

    def test_a_suffix_cannot_select_two_formats(self) -> None:
        with pytest.raises(ps.FileFormatError, match=r"\.yaml already selects 'yaml'"):
            files.register(Format("other", (".yaml",), None, _write_upper))
        assert files.FORMATS[".yaml"] == "yaml"


# --- layering -----------------------------------------------------------------------------------


def _imports(path: Path) -> set[str]:
    """The procsimp modules ``path`` imports, lazy ones included (as the architecture tests
    read them)."""
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return _graph()[".".join(parts)]


@functools.cache
def _graph() -> dict[str, set[str]]:
    return import_graph()


class TestLayers:
    @pytest.mark.parametrize("path", sorted(
        p for p in (PACKAGE / "io").rglob("*.py") if p.name not in ("files.py", "__init__.py")
        or p.parent.name == "bpmn"), ids=lambda p: str(p.relative_to(PACKAGE)))
    def test_formats_never_import_the_dispatcher(self, path: Path) -> None:
        imported = _imports(path)
        assert "procsimp.io.files" not in imported
        assert not {m for m in imported if m in ("procsimp.io", "procsimp")
                    or (m.startswith("procsimp.io.") and m.count(".") == 2
                    and m.rsplit(".", 1)[1] in ("load", "save", "loads", "dumps"))}

    def test_the_base_imports_no_format(self) -> None:
        assert not {m for m in _imports(PACKAGE / "io" / "base.py")
                    if m.startswith("procsimp.io")}

    def test_the_layout_does_not_import_matplotlib(self) -> None:
        code = "import sys, procsimp.layout; print('matplotlib' in sys.modules)"
        run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True)
        assert run.stdout.strip() == "False"
        assert not {m for m in _imports(PACKAGE / "layout.py") if m.startswith("procsimp.plot")}

    def test_writing_bpmn_registers_no_namespace_prefix(self) -> None:
        registry = dict(ET._namespace_map)  # ElementTree's process-wide prefix table
        text = bpmn.dumps_bpmn(tiny())
        assert dict(ET._namespace_map) == registry
        root = ET.fromstring(text.encode())
        assert root.tag == f"{B}definitions"
        assert root.find(f"{B}process/{B}task") is not None
        head = text.splitlines()[1]
        for prefix, uri in (("bpmn", bpmn.BPMN), ("bpmndi", bpmn.BPMNDI), ("dc", bpmn.DC),
                            ("di", bpmn.DI), ("procsimp", bpmn.PROCSIMP)):
            assert f'xmlns:{prefix}="{uri}"' in head
        assert "xmlns:xsi" not in head  # no condition, so no xsi:type


# --- one layout ---------------------------------------------------------------------------------


def _mermaid_lanes(text: str) -> list[tuple[str, list[str]]]:
    lanes: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if m := re.match(r'  subgraph L\d+\["(.*)"\]', line):
            lanes.append((m.group(1), []))
        elif m := re.match(r"    (n\d+)", line):
            lanes[-1][1].append(m.group(1))
    return lanes


def _bpmn_lanes(text: str) -> tuple[list[str], list[str]]:
    root = ET.fromstring(text.encode())
    outer = root.findall(f"{B}process/{B}laneSet/{B}lane")
    inner = [lane.get("name") or "" for o in outer for lane in o.iter(f"{B}lane") if lane is not o]
    return [o.get("name") or "" for o in outer], inner


class TestOneLayout:
    def test_every_picture_shows_the_same_lanes_in_the_same_order(
            self, letter_process: ps.Process) -> None:
        proc = letter_process
        node = {s.id: f"n{i}" for i, s in enumerate(proc.steps)}
        shared = [lane for lane in layout.lanes(proc) if lane.steps]
        mermaid = _mermaid_lanes(ps.dumps(proc, "mermaid"))
        assert [name for name, _ in mermaid] == [lane.label for lane in shared]
        assert [nodes for _, nodes in mermaid] == [[node[s] for s in lane.steps]
                                                   for lane in shared]
        assert [lane.label for lane in layout.swimlane(proc).lanes] == [
            lane.label for lane in shared]
        levels, roles = _bpmn_lanes(ps.dumps(proc, "bpmn"))
        with_roles = [lane for lane in layout.lanes(proc) if lane.roles]
        assert levels == [lane.label for lane in with_roles]
        assert roles == [r.label for lane in with_roles for r in lane.roles]

    def test_lanes_follow_the_declared_orders(self) -> None:
        proc = tiny()
        lanes = layout.lanes(proc)
        assert [(lane.level, [r.role for r in lane.roles], lane.steps) for lane in lanes] == [
            ("head", ["boss"], ("b",)), ("staff", ["clerk"], ("a",))]

    def test_grid_columns_count_the_longest_chain_before_a_step(self) -> None:
        proc = ps.Process.model_validate({
            "levels": ["staff"], "roles": [{"id": "c", "level": "staff"}],
            "steps": [{"id": "a", "role": "c"}, {"id": "b", "role": "c", "after": ["a"]},
                      {"id": "x", "role": "c"},
                      {"id": "d", "role": "c", "after": ["b", "x"]},
                      {"id": "e", "role": "c", "after": ["a"]}]})
        g = layout.grid(proc)
        # by hand: a and x start (column 0), b and e follow a, d follows b (the longer chain)
        assert {s: (c.column, c.row) for s, c in g.cells.items()} == {
            "a": (0, 0), "b": (1, 0), "x": (0, 1), "d": (2, 0), "e": (1, 1)}
        assert layout.columns(proc) == {"a": 0, "x": 0, "b": 1, "e": 1, "d": 2}

    def test_bpmn_tasks_sit_in_precedence_order(self, letter_process: ps.Process) -> None:
        text = ps.dumps(letter_process, "bpmn")
        root = ET.fromstring(text.encode())
        xs: dict[str, float] = {}
        for shape in root.iter(f"{{{bpmn.BPMNDI}}}BPMNShape"):
            element = shape.get("bpmnElement") or ""
            bounds = shape.find(f"{{{bpmn.DC}}}Bounds")
            assert bounds is not None
            xs[element] = float(bounds.get("x") or 0)
        # tasks keep the step ids; every step lies right of the steps it follows
        for s in letter_process.steps:
            for e in s.after:
                assert xs[s.id] > xs[e.step]


def test_ps_load_keeps_its_signature() -> None:
    params: dict[str, Any] = dict(inspect.signature(ps.load).parameters)
    assert list(params) == ["path", "options"]
