"""Every result exports to Excel, one sheet per table, units in the headers, and reads back.

The workbook is read twice: with plain ``pandas.read_excel`` (what an analyst does), whose
sheets must hold the values of ``to_frames()`` under headers ``NAME [UNIT]``, and with
``procsimp.render.read_excel``, which must give back the very frames (units in attrs).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import procsimp as ps
from procsimp.render import read_excel, sheet_names, unit_header

pd = pytest.importorskip("pandas")
pytest.importorskip("openpyxl")

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _plain(x: object) -> object:
    """A cell as Excel keeps it: lists joined, blanks and None as NaN."""
    if isinstance(x, list):
        return ", ".join(map(str, x))
    if x is None or x == "" or (isinstance(x, float) and math.isnan(x)):
        return math.nan
    return x


def same_cells(got: pd.DataFrame, want: pd.DataFrame, where: str) -> None:
    assert list(got.columns) == list(want.columns), where
    assert got.shape == want.shape, where
    for col in want.columns:
        for i, (a, b) in enumerate(zip(got[col].map(_plain), want[col].map(_plain),
                                       strict=True)):
            if isinstance(b, float) and math.isnan(b):
                assert isinstance(a, float) and math.isnan(a), f"{where}, {col}, row {i}: {a!r}"
            elif isinstance(b, (int, float, np.number)) and not isinstance(b, bool):
                assert a == pytest.approx(b, rel=1e-12, abs=1e-12), f"{where}, {col}, row {i}"
            else:
                assert a == b, f"{where}, {col}, row {i}"


def event_log(n: int = 300, seed: int = 3) -> pd.DataFrame:
    """Register then Decide, exponential gaps of mean 0.5 and 1 day, one case a day."""
    rng = np.random.default_rng(seed)
    epoch = pd.Timestamp("2024-01-01T00:00:00")
    rows = []
    for i in range(n):
        t1 = i + rng.exponential(0.5)
        t2 = t1 + rng.exponential(1.0)
        rows += [{"case": f"c{i:04d}", "activity": a, "time": epoch + pd.to_timedelta(t, "D")}
                 for a, t in (("Register", t1), ("Decide", t2))]
    return pd.DataFrame(rows)


PERMIT = {"name": "permit", "levels": ["head", "staff"],
          "arrivals": {"rate": 20, "per": "week"},
          "roles": [{"id": "clerk", "level": "staff", "staff": 2},
                    {"id": "boss", "level": "head"}],
          "steps": [{"id": "register", "role": "clerk", "duration": 1,
                     "work": {"dist": "exponential", "mean": 0.3}},
                    {"id": "decide", "role": "boss", "kind": "signature", "after": ["register"],
                     "duration": 2, "work": {"dist": "exponential", "mean": 0.1}}]}


@pytest.fixture(scope="module")
def results() -> dict[str, ps.render.Renderable]:
    letter = ps.load(EXAMPLES / "outgoing_letter.yaml")
    cut = ps.simplify(letter, "all")
    permit = ps.Process.model_validate(PERMIT)
    simple = ps.Process.model_validate({**PERMIT, "arrivals": None})
    calibration = ps.calibrate(simple, ps.read_log(event_log(), case="case", activity="activity",
                                                   timestamp="time"),
                               {"Register": "register", "Decide": "decide"})
    assert calibration.card is not None
    return {
        "report": ps.compare(letter, cut, n=500, seed=1),
        "capacity": ps.capacity(permit),
        "calibration": calibration,
        "card": calibration.card,
        "plan": ps.seek(letter, {"mean": ps.measure(cut.process).lead_time + 0.5}, n=300,
                        search_n=200),
        "portfolio": ps.portfolio([letter], {"reform": "all"}, n=200, progress=False),
        "metrics": ps.measure(letter),
        "simulation": ps.simulate(letter, n=300, seed=0),
    }


KINDS = ("report", "capacity", "calibration", "card", "plan", "portfolio", "metrics",
         "simulation")


@pytest.mark.parametrize("kind", KINDS)
def test_every_table_is_a_sheet_with_units_in_its_headers(results, kind, tmp_path) -> None:
    result = results[kind]
    path = tmp_path / f"{kind}.xlsx"
    result.to_excel(path)
    tables = result.tables()
    frames = result.to_frames()
    sheets = pd.read_excel(path, sheet_name=None)
    names = sheet_names(tables)
    assert list(sheets) == [*names, "notes"]
    for t, sheet in zip(tables.tables, names, strict=True):
        want = frames[t.key]
        units = want.attrs["units"]
        got = sheets[sheet]
        if t.index is not None:
            got = got.set_index(unit_header(t.index, units.get(t.index)))
        # the header of every column with a unit names it
        assert list(got.columns) == [unit_header(c, units.get(c)) for c in want.columns]
        same_cells(got.set_axis(list(want.columns), axis=1), want, f"{kind}/{sheet}")


@pytest.mark.parametrize("kind", KINDS)
def test_read_excel_gives_back_the_frames(results, kind, tmp_path) -> None:
    result = results[kind]
    path = tmp_path / f"{kind}.xlsx"
    result.to_excel(path)
    back = read_excel(path)
    frames = result.to_frames()
    for t, sheet in zip(result.tables().tables, sheet_names(result.tables()), strict=True):
        got, want = back[sheet], frames[t.key]
        assert got.attrs["units"] == want.attrs["units"]
        assert got.attrs["title"] == want.attrs["title"]
        assert got.attrs["notes"] == want.attrs["notes"]
        assert got.index.name == want.index.name
        same_cells(got, want, f"{kind}/{sheet}")


def test_units_are_declared_where_results_carry_time(results) -> None:
    cap = results["capacity"].to_frames()["capacity"]
    assert cap.attrs["units"]["wait"] == "day" and cap.attrs["units"]["utilisation"] == "share"
    rep = results["report"].to_frames()
    assert rep["simulated"].attrs["units"]["before"] == "day"
    assert rep["metrics"].attrs["units"]["cut %"] == "share of before"
    plan = results["plan"].to_frames()["achieved"]
    assert plan.attrs["units"]["after"] == "day"
    card = results["card"].to_frames()["card"]
    assert card.attrs["units"]["real"] == "day"


def test_read_excel_refuses_a_foreign_workbook(tmp_path) -> None:
    path = tmp_path / "other.xlsx"
    pd.DataFrame({"a": [1]}).to_excel(path, index=False)
    with pytest.raises(ps.FileFormatError, match=r"other\.xlsx: no 'notes' sheet"):
        read_excel(path)
