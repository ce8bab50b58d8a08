"""Step tables (pandas) and networkx graphs: lossless round trips, readable errors."""

from __future__ import annotations

import csv
import io
import sys

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from strategies import processes

import procsimp as ps
from procsimp.io.tables import COLUMNS

pd = pytest.importorskip("pandas")


class TestFrame:
    def test_columns_and_rows(self, letter_process: ps.Process) -> None:
        df = letter_process.to_frame()
        assert tuple(df.columns) == COLUMNS
        assert list(df["id"]) == [s.id for s in letter_process.steps]
        assert list(df["level"]) == ["staff", "echelon_4", "echelon_3", "head"]
        row = df.set_index("id").loc["initial_section"]
        assert (row["dist"], row["low"], row["mode"], row["high"]) == ("triangular", 0.5, 1, 3)
        assert row["duration"] == pytest.approx(1.5)  # the mean, for reading
        assert row["after"] == "draft"

    @settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(processes(choices=True, rework=True, needs=True, text_ids=True))
    def test_round_trip(self, proc: ps.Process) -> None:
        assert ps.from_frame(proc.to_frame()) == proc

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(processes(choices=True, rework=True, needs=True))
    def test_csv_round_trip_keeps_the_steps(self, proc: ps.Process) -> None:
        buffer = io.StringIO()
        proc.to_frame().to_csv(buffer, index=False, quoting=csv.QUOTE_ALL)
        df = pd.read_csv(io.StringIO(buffer.getvalue()), dtype=str, keep_default_na=False)
        loaded = ps.from_frame(df, name=proc.name)
        assert loaded.steps == proc.steps
        assert {r.id: r.level for r in loaded.roles} == {
            s.role: proc.role(s.role).level for s in proc.steps}

    def test_spreadsheet_without_process_data(self) -> None:
        df = pd.DataFrame({"id": ["draft", "sign"], "role": ["clerk", "head"],
                           "level": ["staff", "head"], "duration": [2, ""],
                           "dist": ["", "uniform"], "low": ["", 1], "high": ["", 3],
                           "after": ["", "draft"]})
        proc = ps.from_frame(df, name="letter", time_unit="hour")
        assert proc.name == "letter" and proc.time_unit == "hour"
        assert proc.step("sign").duration == ps.Process.model_validate({
            "levels": ["l"], "roles": [{"id": "r", "level": "l"}],
            "steps": [{"id": "x", "role": "r",
                       "duration": {"dist": "uniform", "low": 1, "high": 3}}]}).steps[0].duration
        assert [lv.id for lv in proc.levels] == ["staff", "head"]

    def test_errors_name_the_row_and_column(self) -> None:
        with pytest.raises(ps.FileFormatError, match="columns id and role"):
            ps.from_frame(pd.DataFrame({"name": ["x"]}))
        df = pd.DataFrame({"id": ["a"], "role": ["r"], "level": ["l"], "cost": ["cheap"]})
        with pytest.raises(ps.FileFormatError, match=r"row 0 \(step 'a'\), column cost"):
            ps.from_frame(df)
        df = pd.DataFrame({"id": ["a"], "role": ["r"], "level": ["l"], "after": ["ghost"]})
        with pytest.raises(ps.ModelError, match="ghost"):
            ps.from_frame(df)

    def test_without_pandas(self, letter_process: ps.Process,
                            monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setitem(sys.modules, "pandas", None)
        with pytest.raises(ps.MissingDependencyError, match="pip install"):
            letter_process.to_frame()


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
        with pytest.raises(ps.FileFormatError, match="DiGraph"):
            ps.from_networkx(nx.Graph())  # type: ignore[arg-type]
        g = nx.DiGraph()
        g.add_edge("a", "b")
        with pytest.raises(ps.ModelError, match="role"):
            ps.from_networkx(g)
