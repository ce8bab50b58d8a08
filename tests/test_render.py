"""One way to show a result: procsimp.render and the result objects that use it."""

from __future__ import annotations

import json
import math
import sys
import warnings

import numpy as np
import pytest

import procsimp as ps
from procsimp.render import Cell, Renderable, Table, Tables, frame, plain, sheet_names, show
from procsimp.render import html as to_html
from procsimp.render import markdown as to_markdown
from procsimp.render import text as to_text
from procsimp.simulation import check_cases, check_seed

CUT = Table("Cut <1>", ("metric", "before", "after"),
            (("layers", 4, 2), ("lead time", Cell(16.25, "16.25 days"), Cell(13.5, "13.50 days")),
             ("ci", Cell((1.0, math.nan), "[1, n/a]"), None)),
            units={"before": "day"}, notes=("flow & means",), name="cut", index="metric")


def chain(**extra: object) -> ps.Process:
    return ps.Process.model_validate({
        "name": "Memo", "levels": ["head", "staff"],
        "roles": [{"id": "boss", "level": "head"}, {"id": "clerk", "level": "staff"}],
        "steps": [{"id": "draft", "role": "clerk", "duration": 2},
                  {"id": "sign", "role": "boss", "kind": "signature", "duration": 1,
                   "after": ["draft"]}], **extra})


class TestFormats:
    def test_text_pads_and_aligns_every_column(self) -> None:
        assert to_text(Tables((CUT,), ("the end",))) == (
            "Cut <1>\n"
            "  metric         before       after\n"
            "  ---------  ----------  ----------\n"
            "  layers              4           2\n"
            "  lead time  16.25 days  13.50 days\n"
            "  ci           [1, n/a]           -\n"
            "  note: flow & means\n"
            "\n"
            "the end")

    def test_text_without_header_left_aligned(self) -> None:
        t = Table("Memo", ("k", "v"), (("steps", 7), ("critical path", "a -> b")),
                  header=False, align="ll")
        assert to_text(Tables((t,))) == "Memo\n  steps          7\n  critical path  a -> b"

    def test_markdown(self) -> None:
        assert to_markdown(Tables((CUT,))) == (
            "**Cut <1>**\n\n"
            "| metric    |     before |      after |\n"
            "|:----------|-----------:|-----------:|\n"
            "| layers    |          4 |          2 |\n"
            "| lead time | 16.25 days | 13.50 days |\n"
            "| ci        |   [1, n/a] |          - |\n\n"
            "Note: flow & means\n")

    def test_html_escapes_titles_cells_and_notes(self) -> None:
        page = to_html(Tables((CUT,), ("<b>",)))
        assert page.startswith("<div><table><caption>Cut &lt;1&gt;</caption><thead><tr>"
                               "<th>metric</th><th>before</th><th>after</th></tr></thead>")
        assert '<td style="text-align:right">16.25 days</td>' in page
        assert "flow &amp; means" in page and "<p>&lt;b&gt;</p>" in page
        assert page.count("<tr>") == 4

    def test_detail_tables_are_not_shown(self) -> None:
        hidden = Table("rows", ("a",), ((1,),), display=False)
        shown = Tables((CUT, hidden))
        assert "rows" not in to_text(shown) and "rows" not in to_html(shown)
        assert [t["name"] for t in plain(shown)["tables"]] == ["cut", "rows"]

    def test_default_cell_text(self) -> None:
        assert [show(x) for x in (None, True, 1234, 2.5, math.nan, "x")] == [
            "-", "yes", "1,234", "2.50", "n/a", "x"]


class TestData:
    def test_plain_is_json_with_values_not_texts(self) -> None:
        data = json.loads(json.dumps(plain(Tables((CUT,), ("n",)))))
        t = data["tables"][0]
        assert t["rows"] == [["layers", 4, 2], ["lead time", 16.25, 13.5],
                             ["ci", [1.0, None], None]]
        assert (t["name"], t["units"], t["notes"], data["notes"]) == (
            "cut", {"before": "day"}, ["flow & means"], ["n"])

    def test_plain_turns_numpy_scalars_into_python_numbers(self) -> None:
        t = Table("t", ("a", "b"), ((np.int64(3), np.float64(np.inf)),))
        assert plain(Tables((t,)))["tables"][0]["rows"] == [[3, None]]

    def test_frame_holds_values_index_and_units(self) -> None:
        pytest.importorskip("pandas")
        df = frame(CUT)
        assert df.loc["lead time", "before"] == 16.25 and df.loc["layers", "after"] == 2
        assert df.index.name == "metric" and list(df.columns) == ["before", "after"]
        assert df.attrs["units"] == {"before": "day"}

    def test_frame_splits_intervals_into_two_columns(self) -> None:
        pytest.importorskip("pandas")
        t = Table("t", ("stat", "ci"), (("mean", Cell((1.0, 2.0), "[1, 2]")), ("std", None)),
                  units={"ci": "day"})
        df = frame(t)
        assert list(df.columns) == ["stat", "ci low", "ci high"]
        assert df["ci high"].tolist()[0] == 2.0 and math.isnan(df["ci low"].tolist()[1])
        assert df.attrs["units"] == {"ci low": "day", "ci high": "day"}

    def test_frame_without_pandas(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setitem(sys.modules, "pandas", None)
        with pytest.raises(ps.MissingDependencyError, match="pip install pandas"):
            frame(CUT)

    def test_sheet_names_are_short_unique_and_legal(self) -> None:
        long = "x" * 40
        tables = Tables(tuple(Table(title, ("a",), ()) for title in
                              (long, long, "a/b", "notes")))
        names = sheet_names(tables)
        assert names[0] == "x" * 31 and names[1] == "x" * 27 + " (2)"
        assert names[2] == "a_b" and names[3] == "notes (2)"

    def test_excel_round_trip(self, tmp_path) -> None:
        pd = pytest.importorskip("pandas")
        pytest.importorskip("openpyxl")

        class Shown(Renderable):
            def tables(self) -> Tables:
                return Tables((CUT,), ("about",))

        path = tmp_path / "cut.xlsx"
        Shown().to_excel(path)
        sheets = pd.read_excel(path, sheet_name=None)
        assert list(sheets) == ["cut", "notes"]
        assert sheets["cut"]["before [day]"].tolist()[:2] == [4, 16.25]
        assert "about" in sheets["notes"]["text"].tolist()
        assert [p.name for p in tmp_path.iterdir()] == ["cut.xlsx"]  # no temporary left

    def test_excel_needs_an_xlsx_path(self, tmp_path) -> None:
        with pytest.raises(ps.FileFormatError, match=r"ending in \.xlsx"):
            ps.measure(chain()).to_excel(tmp_path / "m.csv")


class TestResults:
    """Every result object shows itself through the protocol, its figures unchanged."""

    def test_metrics(self) -> None:
        m = ps.measure(chain())
        assert m.to_dict() == m.model_dump(mode="json")
        page = m._repr_html_()
        assert '<th style="text-align:left">approval layers</th>' in page
        assert "draft -&gt; sign" in page
        assert str(m).splitlines()[0] == "Memo"
        assert "  lead time         3.00 days" in str(m)
        assert "**Memo**" in m.to_markdown()

    def test_metrics_frame(self) -> None:
        pytest.importorskip("pandas")
        df = ps.measure(chain()).to_frame()
        assert df.loc["lead time", "value"] == 3.0 and df.loc["layers", "value"] == 2

    def test_simulation(self) -> None:
        sim = ps.simulate(chain(), n=2000, seed=0)
        text = str(sim)
        assert "mean" in text and "3.00 days" in text and "p95" in text
        assert "Most often critical" in text
        assert "<table>" in sim._repr_html_()
        t = sim.tables().tables[0]
        assert t.rows[0][1].value == sim.mean and t.rows[0][2].value == sim.mean_ci[0]

    def test_simulation_frame(self) -> None:
        pytest.importorskip("pandas")
        sim = ps.simulate(chain(), n=2000, seed=0)
        df = sim.to_frame()
        assert df.loc["p90", "value"] == sim.p90 and df.loc["p90", "95% CI high"] == sim.p90_ci[1]
        assert set(sim.to_frames()) == {"lead_time", "critical"}

    def test_too_few_cases_show_no_interval(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ps.PrecisionWarning)
            sim = ps.simulate(chain(), n=1, seed=0)
        assert "n/a" in str(sim)

    def test_on_time(self) -> None:
        p = chain(deadlines=[{"id": "quick", "within": 2.5, "unit": "hour"}],
                  time_unit="hour")
        o = ps.simulate(p, n=1000, seed=0).on_time["quick"]
        (row,) = o.tables().tables[0].rows
        assert row[0] == "quick" and row[2].value == 0.0  # 3 hours > 2.5: every case late
        assert row[6].value == pytest.approx(0.5)
        assert "quick" in o._repr_html_()
        assert str(o).startswith("quick: 0.0% on time")  # the sentence stays

    def test_report_tables_keep_values(self) -> None:
        before = chain()
        after = ps.Process.model_validate({**before.model_dump(exclude_defaults=True),
                                           "steps": [{"id": "draft", "role": "clerk",
                                                      "duration": 2}]})
        rep = ps.compare(before, after, n=100)
        metrics = rep.tables().tables[0]
        lead = next(r for r in metrics.rows if r[0] == "lead time")
        assert (lead[1].value, lead[2].value, lead[3].value) == (3.0, 2.0, 1.0)
        assert lead[3].text == "1.00 days"

    def test_portfolio(self, tmp_path) -> None:
        res = ps.portfolio([chain()], {"none": []}, n=0, progress=False)
        names = [t.key for t in res.tables().tables]
        assert names == ["totals", "rows"]
        assert "Portfolio rows" not in res.to_html()
        assert "none" in res.to_markdown()
        assert str(res) == res.summary()


class TestChecks:
    @pytest.mark.parametrize("n", [0, -1, 2.0, True, "5"])
    def test_cases_must_be_a_positive_integer(self, n: object) -> None:
        with pytest.raises(ps.OptionError, match="simulate: n must be a positive integer"):
            check_cases(n, "simulate")

    @pytest.mark.parametrize("n", [1, -1, 2.0, False])
    def test_zero_or_at_least_two(self, n: object) -> None:
        with pytest.raises(ps.OptionError, match=r"compare: n must be 0 \(no simulation\)"):
            check_cases(n, "compare", none_ok=True)

    def test_numpy_integers_are_numbers_of_cases(self) -> None:
        assert check_cases(np.int64(5), "simulate") == 5
        assert type(check_cases(np.int64(5), "simulate")) is int

    def test_seed(self) -> None:
        assert check_seed(3, "x") == 3
        assert isinstance(check_seed(None, "x"), int)
        with pytest.raises(ps.OptionError, match="portfolio: seed must be a non-negative "
                                                 "integer, got None"):
            check_seed(None, "portfolio", draw=False)
        with pytest.raises(ps.OptionError, match="or None, got -1"):
            check_seed(-1, "simulate")
