"""Progress of long work: shown on a terminal after a delay, or when asked; never otherwise."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

import procsimp as ps
from procsimp import _progress
from procsimp._progress import progress_bar

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def no_tqdm(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm raises ImportError
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)


def run(stream: io.StringIO, progress: bool | None, total: int | None = 3) -> str:
    with progress_bar(total, "demo", progress=progress, unit="case", stream=stream) as bar:
        for _ in range(3):
            bar.update()
    assert bar.done == 3
    return stream.getvalue()


class TestWhereItShows:
    def test_never_on_a_file_unless_asked(self) -> None:
        assert run(io.StringIO(), None) == ""

    def test_never_when_refused_even_on_a_terminal(self) -> None:
        assert run(Terminal(), False) == ""

    def test_quick_work_on_a_terminal_stays_silent(self, no_tqdm) -> None:
        assert run(Terminal(), None) == ""  # done well inside the two-second delay

    def test_long_work_on_a_terminal_shows_a_line(self, no_tqdm, monkeypatch) -> None:
        monkeypatch.setattr(_progress, "DELAY", 0.0)
        monkeypatch.setattr(_progress, "_EVERY", 0.0)
        out = run(Terminal(), None)
        assert "demo: 1/3 case (33%" in out and "demo: 3/3 case (100%" in out
        assert out.count("\r") >= 3 and out.endswith("\n")  # redrawn in place, then ended

    def test_asked_plain_line_on_a_file(self, no_tqdm) -> None:
        out = run(io.StringIO(), True)
        assert out.splitlines()[-1].startswith("demo: 3/3 case (100%")
        assert "\r" not in out

    def test_unknown_total_counts_up(self, no_tqdm) -> None:
        assert run(io.StringIO(), True, total=None).splitlines()[-1].startswith("demo: 3 case (")

    def test_tqdm_when_installed(self) -> None:
        pytest.importorskip("tqdm")
        out = run(io.StringIO(), True)
        assert "demo" in out and "3/3" in out

    def test_a_bad_value_is_refused(self) -> None:
        letter = ps.load(EXAMPLES / "outgoing_letter.yaml")
        with pytest.raises(ps.OptionError, match="progress must be True"):
            ps.compare(letter, letter, n=100, progress="yes")


@pytest.fixture(scope="module")
def letter() -> ps.Process:
    return ps.load(EXAMPLES / "outgoing_letter.yaml")


class TestLongWork:
    """Each long-running function reports when asked, and is silent into a pipe."""

    def test_compare(self, letter, capsys, no_tqdm) -> None:
        cut = ps.simplify(letter, "all")
        ps.compare(letter, cut, n=2000, progress=True)
        err = capsys.readouterr().err
        assert "compare: paired intervals: 3/3 stage" in err
        ps.compare(letter, cut, n=2000)
        assert capsys.readouterr().err == ""

    def test_seek(self, letter, capsys, no_tqdm) -> None:
        goal = {"mean": ps.measure(ps.simplify(letter, "all").process).lead_time + 0.5}
        plan = ps.seek(letter, goal, n=300, search_n=200, progress=True)
        line = capsys.readouterr().err.splitlines()[-1]
        assert line.startswith(f"seek: verifying the plan: {plan.search.evaluations} set")
        ps.seek(letter, goal, n=300, search_n=200)
        assert capsys.readouterr().err == ""

    def test_calibrate(self, capsys, no_tqdm) -> None:
        from tests.test_excel_results import PERMIT, event_log

        proc = ps.Process.model_validate({**PERMIT, "arrivals": None})
        log = ps.read_log(event_log(120), case="case", activity="activity", timestamp="time")
        mapping = {"Register": "register", "Decide": "decide"}
        ps.calibrate(proc, log, mapping, progress=True)
        # every case replayed, every step fitted, the card: 120 + 2 + 1 parts
        assert "calibrate: held-out card: 123/123 part" in capsys.readouterr().err
        ps.calibrate(proc, log, mapping)
        assert capsys.readouterr().err == ""

    def test_read_log(self, capsys, tmp_path, no_tqdm) -> None:
        from tests.test_excel_results import event_log

        path = tmp_path / "log.csv"
        event_log(50).to_csv(path, index=False)
        log = ps.read_log(path, case="case", activity="activity", timestamp="time",
                          progress=True)
        assert "read_log: building the log of 100 events: 2/2 stage" in \
            capsys.readouterr().err
        assert len(log.cases) == 50
        ps.read_log(path, case="case", activity="activity", timestamp="time")
        assert capsys.readouterr().err == ""

    def test_portfolio(self, letter, capsys, no_tqdm) -> None:
        ps.portfolio([letter, letter], {"a": "all", "b": "spbe"}, n=200, progress=True)
        assert "portfolio: 4/4 task" in capsys.readouterr().err
        ps.portfolio([letter], {"a": "all"}, n=200)
        assert capsys.readouterr().err == ""
