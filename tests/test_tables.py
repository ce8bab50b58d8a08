"""Step tables (pandas) and networkx graphs: lossless round trips, readable errors."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import processes

import procsimp as ps
from procsimp.io.tables import COLUMNS, read_table, write_table

pd = pytest.importorskip("pandas")


def csv_round_trip(proc: ps.Process, **keywords: object) -> ps.Process:
    """docs/interop.md's recipe: to_frame, to_csv, read_csv as text, from_frame."""
    buffer = io.StringIO()
    proc.to_frame().to_csv(buffer, index=False, quoting=csv.QUOTE_ALL)
    df = pd.read_csv(io.StringIO(buffer.getvalue()), dtype=str, keep_default_na=False)
    return ps.from_frame(df, **keywords)  # type: ignore[arg-type]


class TestFrame:
    def test_columns_and_rows(self, letter_process: ps.Process) -> None:
        df = letter_process.to_frame()
        assert tuple(df.columns) == COLUMNS
        assert list(df["record"]) == ["process"] + ["level"] * 4 + ["role"] * 4 + ["step"] * 4
        steps = df[df.record == "step"]
        assert list(steps["id"]) == [s.id for s in letter_process.steps]
        assert list(steps["level"]) == ["staff", "echelon_4", "echelon_3", "head"]
        assert list(df[df.record == "level"]["id"]) == ["head", "echelon_3", "echelon_4", "staff"]
        row = steps.set_index("id").loc["initial_section"]
        assert (row["dist"], row["low"], row["mode"], row["high"]) == ("triangular", 0.5, 1, 3)
        assert row["duration"] == pytest.approx(1.5)  # the mean, for reading
        assert row["after"] == "draft"
        head = df.iloc[0]
        assert (head["name"], head["time_unit"], head["handoff_delay"]) == (
            "Outgoing letter approval", "day", 1.0)

    @settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(processes(choices=True, rework=True, needs=True, text_ids=True))
    def test_round_trip(self, proc: ps.Process) -> None:
        assert ps.from_frame(proc.to_frame()) == proc

    @settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(processes(choices=True, rework=True, needs=True, text_ids=True))
    def test_csv_round_trip_is_lossless(self, proc: ps.Process) -> None:
        assert csv_round_trip(proc) == proc

    def test_the_bundled_examples_survive_csv(self, repo_root: Path) -> None:
        for path in sorted((repo_root / "examples").glob("*.yaml")):
            proc = ps.load(path)
            back = csv_round_trip(proc)
            assert back == proc, path.name
            # the figures the issue saw change: lead time (the handoff delay), cost (rates)
            before, after = ps.measure(proc), ps.measure(back)
            assert (after.lead_time, after.cost) == (before.lead_time, before.cost)
            assert back.levels[0].id == "head"  # highest rank first
            assert ps.simplify(back, "delayering_2019").process == ps.simplify(
                proc, "delayering_2019").process

    def test_keywords_override_the_process_row(self, letter_process: ps.Process) -> None:
        back = csv_round_trip(letter_process, name="renamed", handoff_delay=0.5)
        assert (back.name, back.handoff_delay) == ("renamed", 0.5)
        assert back.roles == letter_process.roles

    def test_text_fields_keep_empty_and_quoted_text(self, letter_process: ps.Process) -> None:
        roles = (letter_process.roles[0].model_copy(update={"name": ""}),
                 letter_process.roles[1].model_copy(update={"name": '"quoted"'}),
                 *letter_process.roles[2:])
        proc = letter_process.model_copy(update={"name": "", "roles": roles})
        assert csv_round_trip(proc) == proc

    def test_spreadsheet_of_steps_takes_the_levels_in_rank_order(self) -> None:
        df = pd.DataFrame({"id": ["draft", "sign"], "role": ["clerk", "head"],
                           "level": ["staff", "head"], "duration": [2, ""],
                           "dist": ["", "uniform"], "low": ["", 1], "high": ["", 3],
                           "after": ["", "draft"]})
        with pytest.raises(ps.FileFormatError, match=r"'staff', 'head' but not their rank"):
            ps.from_frame(df)
        proc = ps.from_frame(df, levels=["head", "staff"], name="letter", time_unit="hour")
        assert proc.name == "letter" and proc.time_unit == "hour"
        assert proc.step("sign").duration == ps.Process.model_validate({
            "levels": ["l"], "roles": [{"id": "r", "level": "l"}],
            "steps": [{"id": "x", "role": "r",
                       "duration": {"dist": "uniform", "low": 1, "high": 3}}]}).steps[0].duration
        assert [lv.id for lv in proc.levels] == ["head", "staff"]
        assert proc.rank("head") == 0
        one_level = ps.from_frame(df.assign(level="staff"))
        assert [lv.id for lv in one_level.levels] == ["staff"]

    def test_errors_name_the_row_and_column(self) -> None:
        with pytest.raises(ps.FileFormatError, match="columns id and role"):
            ps.from_frame(pd.DataFrame({"name": ["x"]}))
        df = pd.DataFrame({"id": ["a"], "role": ["r"], "level": ["l"], "cost": ["cheap"]})
        with pytest.raises(ps.FileFormatError, match=r"row 0 \(step 'a'\), column cost"):
            ps.from_frame(df)
        df = pd.DataFrame({"id": ["a"], "role": ["r"], "level": ["l"], "after": ["ghost"]})
        with pytest.raises(ps.ModelError, match="ghost"):
            ps.from_frame(df)

    def test_an_edited_step_level_that_contradicts_its_role_is_an_error(
            self, letter_process: ps.Process) -> None:
        df = letter_process.to_frame()
        df.loc[(df.record == "step") & (df.id == "sign"), "level"] = "staff"
        with pytest.raises(ps.FileFormatError,
                           match=r"step 'sign'.*column level: 'staff', but role "
                                 r"'head_of_office' is at level 'head'"):
            ps.from_frame(df)

    def test_unknown_record(self, letter_process: ps.Process) -> None:
        df = letter_process.to_frame()
        df.loc[1, "record"] = "lvl"
        with pytest.raises(ps.FileFormatError, match=r"row 1 .*record is 'lvl'"):
            ps.from_frame(df)

    @pytest.mark.parametrize("column", ["cost", "duration", "rework_p"])
    def test_an_integer_too_large_for_a_float(self, column: str) -> None:
        # issue 17, item 5: 10**400 raised a bare OverflowError
        df = pd.DataFrame({"id": ["a"], "role": ["r"], "level": ["l"], "rework_to": ["a"],
                           "rework_p": [0.5], column: [10**400]})
        with pytest.raises(ps.FileFormatError,
                           match=rf"row 0 \(step 'a'\), column {column}: .*not a finite number"):
            ps.from_frame(df)

    def test_an_integer_too_large_for_a_float_in_a_role_row(self,
                                                          letter_process: ps.Process) -> None:
        df = letter_process.to_frame().astype(object)
        df.loc[5, "rate"] = 10**400
        with pytest.raises(ps.FileFormatError,
                           match=r"row 5 \(role 'head_of_office'\), column rate: .*finite"):
            ps.from_frame(df)

    def test_without_pandas(self, letter_process: ps.Process,
                            monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setitem(sys.modules, "pandas", None)
        with pytest.raises(ps.MissingDependencyError, match="pip install"):
            letter_process.to_frame()


class TestFiles:
    @settings(max_examples=25, deadline=None, suppress_health_check=[
        HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(proc=processes(choices=True, rework=True, needs=True, text_ids=True),
           suffix=st.sampled_from([".csv", ".xlsx"]))
    def test_round_trip(self, tmp_path: Path, proc: ps.Process, suffix: str) -> None:
        if suffix == ".xlsx":
            pytest.importorskip("openpyxl")
        path = tmp_path / f"steps{suffix}"
        write_table(proc, path)
        assert read_table(path) == proc

    def test_excel_keeps_control_characters_formulas_and_escapes(
            self, tmp_path: Path, letter_process: ps.Process) -> None:
        pytest.importorskip("openpyxl")
        steps = list(letter_process.steps)
        steps[0] = steps[0].model_copy(update={"name": "=SUM(A1)\x01 _x0041_ \r\n"})
        proc = letter_process.model_copy(update={"steps": tuple(steps)})
        write_table(proc, tmp_path / "t.xlsx")
        assert read_table(tmp_path / "t.xlsx") == proc

    def test_a_cell_too_long_for_excel_is_refused(self, tmp_path: Path,
                                                  letter_process: ps.Process) -> None:
        pytest.importorskip("openpyxl")
        proc = letter_process.model_copy(update={"description": "x" * 40_000})
        with pytest.raises(ps.FileFormatError, match=r"row 0, column description .*32,767"):
            write_table(proc, tmp_path / "t.xlsx")
        assert not (tmp_path / "t.xlsx").exists()

    def test_unknown_suffix_and_unreadable_file(self, tmp_path: Path,
                                                letter_process: ps.Process) -> None:
        with pytest.raises(ps.FileFormatError, match=r"\.csv or \.xlsx"):
            write_table(letter_process, tmp_path / "t.ods")
        (tmp_path / "bad.xlsx").write_text("not a zip")
        pytest.importorskip("openpyxl")
        with pytest.raises(ps.FileFormatError, match=r"bad\.xlsx: cannot read the table"):
            read_table(tmp_path / "bad.xlsx")


class TestNetworkx:
    def test_attributes(self, letter_process: ps.Process) -> None:
        g = ps.to_networkx(letter_process)
        assert not nx.is_frozen(g)
        assert list(g.nodes) == [s.id for s in letter_process.steps]
        assert g.nodes["sign"]["kind"] == "signature"
        assert g.nodes["sign"]["level"] == "head"
        assert g.edges["draft", "initial_section"] == {"p": None, "delay": None, "hard": False}
        assert g.graph["time_unit"] == "day"

    @settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(processes(choices=True, rework=True, needs=True, text_ids=True))
    def test_round_trip(self, proc: ps.Process) -> None:
        assert ps.from_networkx(ps.to_networkx(proc)) == proc

    def test_edit_then_read(self, letter_process: ps.Process) -> None:
        g = ps.to_networkx(letter_process)
        g.remove_node("initial_division")
        g.add_edge("initial_section", "sign")
        proc = ps.from_networkx(g)
        assert proc.step("sign").predecessors == ("initial_section",)

    def test_errors(self) -> None:
        with pytest.raises(ps.OptionError, match="graph must be a DiGraph"):  # the argument check
            ps.from_networkx(nx.Graph())  # type: ignore[arg-type]
        g = nx.DiGraph()
        g.add_edge("a", "b")
        with pytest.raises(ps.ModelError, match="role"):
            ps.from_networkx(g)
