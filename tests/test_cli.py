"""The ``procsimp`` command line, every command through :func:`procsimp.cli.main`."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import procsimp as ps
from procsimp.cli import main
from procsimp.passes import BUILTIN_PASSES
from procsimp.pipeline import DEFAULT_PIPELINE, PRESETS
from tests.strategies.passes import BUILTIN

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
LETTER = EXAMPLES / "outgoing_letter.yaml"
DELAYER_OPTION = "delayer.remove_levels=[echelon_3,echelon_4]"


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def assert_usage_error(status: int, out: str, err: str, *names: str) -> None:
    """Exit status 2, nothing on standard output, one line naming what was wrong."""
    assert status == 2
    assert out == ""
    assert err.startswith("procsimp: error: ")
    assert len(err.strip().splitlines()) == 1, err
    for name in names:
        assert name in err


class TestMeasure:
    def test_text(self, capsys: pytest.CaptureFixture[str]) -> None:
        status, out, _ = run(capsys, "measure", LETTER, "-n", "200")
        assert status == 0
        assert "approval layers" in out and "Simulated lead time (200 cases, seed 0)" in out

    def test_json(self, capsys: pytest.CaptureFixture[str]) -> None:
        status, out, _ = run(capsys, "measure", LETTER, "-n", "200", "--json")
        assert status == 0
        data = json.loads(out)
        assert data["layers"] == 4
        assert data["lead_time"] == pytest.approx(ps.measure(ps.load(LETTER)).lead_time)
        assert "metrics" not in data
        assert data["simulation"]["n"] == 200

    def test_no_simulation(self, capsys: pytest.CaptureFixture[str]) -> None:
        status, out, _ = run(capsys, "measure", LETTER, "-n", "0", "--json")
        assert status == 0
        assert "simulation" not in json.loads(out)

    def test_missing_file(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        missing = tmp_path / "nope.yaml"
        assert_usage_error(*run(capsys, "measure", missing), str(missing))


class TestValidate:
    def test_ok(self, capsys: pytest.CaptureFixture[str]) -> None:
        status, out, _ = run(capsys, "validate", LETTER)
        assert status == 0
        assert f"{LETTER}: ok (7 steps, 5 roles)" in out

    def test_bad_file_is_named(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        bad = tmp_path / "bad.yaml"
        bad.write_text(LETTER.read_text().replace("role: analyst", "role: ghost"))
        status, out, err = run(capsys, "validate", LETTER, bad)
        assert status == 2
        assert "ok" in out and str(bad) in err and "ghost" in err


class TestConvert:
    def test_yaml_json_yaml_round_trip(self, capsys: pytest.CaptureFixture[str],
                                       tmp_path: Path) -> None:
        as_json, back = tmp_path / "letter.json", tmp_path / "letter.yaml"
        assert run(capsys, "convert", LETTER, "-o", as_json)[0] == 0
        json.loads(as_json.read_text())
        status, out, _ = run(capsys, "convert", as_json, "-o", back)
        assert status == 0 and f"wrote {back}" in out
        assert ps.load(back) == ps.load(LETTER)

    def test_unknown_suffix(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        target = tmp_path / "letter.txt"
        assert_usage_error(*run(capsys, "convert", LETTER, "-o", target), "letter.txt")
        assert not target.exists()


class TestSchema:
    def test_stdout(self, capsys: pytest.CaptureFixture[str]) -> None:
        status, out, _ = run(capsys, "schema")
        assert status == 0
        assert "$defs" in json.loads(out)

    def test_to_file(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        target = tmp_path / "schema.json"
        assert run(capsys, "schema", "-o", target)[0] == 0
        assert "$defs" in json.loads(target.read_text())


class TestSimplify:
    def test_preset(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        out_file = tmp_path / "after.yaml"
        status, out, _ = run(capsys, "simplify", LETTER, "--preset", "delayering_2019",
                             "-o", out_file)
        assert status == 0
        after = ps.load(out_file)
        assert ps.measure(after).layers == 2 < ps.measure(ps.load(LETTER)).layers
        assert "delayer: " in out and f"wrote {out_file}" in out
        assert "Simulated" not in out

    def test_passes_with_options_equal_the_preset(self, capsys: pytest.CaptureFixture[str],
                                                  tmp_path: Path) -> None:
        by_preset, by_pass = tmp_path / "preset.yaml", tmp_path / "pass.json"
        assert run(capsys, "simplify", LETTER, "--preset", "delayering_2019", "-o", by_preset)[0] \
            == 0
        assert run(capsys, "simplify", LETTER, "--pass", "delayer", "--option", DELAYER_OPTION,
                   "-o", by_pass)[0] == 0
        assert ps.load(by_pass) == ps.load(by_preset)

    def test_option_overrides_the_preset(self, capsys: pytest.CaptureFixture[str],
                                         tmp_path: Path) -> None:
        out_file = tmp_path / "after.yaml"
        status, _, _ = run(capsys, "simplify", LETTER, "--preset", "delayering_2019",
                           "--option", "delayer.remove_levels=[echelon_3]", "-o", out_file)
        assert status == 0
        assert ps.measure(ps.load(out_file)).layers == 3

    def test_default_pipeline(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        status, out, _ = run(capsys, "simplify", LETTER, "-o", tmp_path / "after.yaml")
        assert status == 0
        for name in DEFAULT_PIPELINE:
            assert f"{name}: " in out

    def test_report(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        status, out, _ = run(capsys, "simplify", LETTER, "--preset", "delayering_2019",
                             "-o", tmp_path / "after.yaml", "--report", "-n", "500")
        assert status == 0
        assert "approval layers" in out
        assert "Simulated lead time, 500 paired cases (seed 0)" in out
        assert "Lead-time cut by pass" in out

    @pytest.mark.parametrize(("args", "names"), [
        (["--pass", "nope"], ["'nope'", "delayer"]),
        (["--preset", "nope"], ["'nope'", "delayering_2019"]),
        (["--preset", "delayer"], ["'delayer'", "presets"]),
        (["--pass", "delayer", "--option", "delayer.bogus=1"], ["'bogus'", "remove_levels"]),
        (["--pass", "delayer", "--option", "merge_sequential.by=role"], ["'merge_sequential'"]),
        (["--pass", "delayer", "--option", "delayer=1"], ["PASS.KEY=VALUE"]),
        (["--pass", "delayer", "--option", "delayer.remove_levels=[a"], ["not valid YAML"]),
        (["--pass", "delayer", "--option", DELAYER_OPTION, "--option", DELAYER_OPTION],
         ["given twice"]),
        (["--preset", "delayering_2019", "--pass", "delayer"], ["not allowed with"]),
    ])
    def test_bad_input(self, capsys: pytest.CaptureFixture[str], tmp_path: Path,
                       args: list[str], names: list[str]) -> None:
        out_file = tmp_path / "after.yaml"
        assert_usage_error(*run(capsys, "simplify", LETTER, *args, "-o", out_file), *names)
        assert not out_file.exists()

    def test_output_is_required(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert_usage_error(*run(capsys, "simplify", LETTER, "--preset", "delayering_2019"),
                           "-o/--output", "procsimp simplify --help")


class TestCompare:
    @pytest.fixture
    def after(self, tmp_path: Path) -> Path:
        path = tmp_path / "after.json"
        ps.save(ps.simplify(ps.load(LETTER), "delayering_2019").process, path)
        return path

    def test_text(self, capsys: pytest.CaptureFixture[str], after: Path) -> None:
        status, out, _ = run(capsys, "compare", LETTER, after, "-n", "1000")
        assert status == 0
        rep = ps.compare(ps.load(LETTER), ps.load(after), n=1000, seed=0)
        assert out == f"{rep}\n"
        assert "95% CI of the cut" in out

    def test_json(self, capsys: pytest.CaptureFixture[str], after: Path) -> None:
        status, out, _ = run(capsys, "compare", LETTER, after, "-n", "1000", "--seed", "5",
                             "--json")
        assert status == 0
        data = json.loads(out)
        assert (data["metrics"]["layers"]["before"], data["metrics"]["layers"]["after"]) == (4, 2)
        assert data["simulation"]["mean_cut"]["value"] > 0
        assert (data["n"], data["seed"]) == (1000, 5)

    def test_markdown(self, capsys: pytest.CaptureFixture[str], after: Path) -> None:
        status, out, _ = run(capsys, "compare", LETTER, after, "-n", "0", "--markdown")
        assert status == 0
        assert "| layers " in out and " cut % |" in out

    def test_bad_input(self, capsys: pytest.CaptureFixture[str], after: Path,
                       tmp_path: Path) -> None:
        assert_usage_error(*run(capsys, "compare", LETTER, tmp_path / "x.yaml"), "x.yaml")
        assert_usage_error(*run(capsys, "compare", LETTER, after, "-n", "1"), "n must be")
        assert_usage_error(*run(capsys, "compare", LETTER, after, "-n", "-3"), "-n")
        assert_usage_error(*run(capsys, "compare", LETTER, after, "--json", "--markdown"),
                           "not allowed with")


class TestCheckedBeforeAnyWork:
    """Issue 9: CLI arguments and output suffixes are checked before anything is computed."""

    @pytest.fixture
    def no_work(self, monkeypatch: pytest.MonkeyPatch) -> None:
        def refuse(*args: object, **kwargs: object) -> None:
            raise AssertionError("work started before the arguments were checked")

        # the modules are loaded on first use (procsimp's lazy namespace): load them here, so
        # the fixture works when this file runs alone
        import procsimp.batch
        import procsimp.pipeline

        monkeypatch.setattr("procsimp.load", refuse)
        monkeypatch.setattr(procsimp.pipeline, "simplify", refuse)
        monkeypatch.setattr(procsimp.batch, "portfolio", refuse)

    @pytest.mark.parametrize(("argv", "names"), [
        (["convert", LETTER, "-o", "x.txt"], ["'x.txt'", ".yaml", ".bpmn"]),
        (["simplify", LETTER, "--preset", "spbe", "-o", "x.txt"], ["'x.txt'", ".json"]),
        (["simplify", LETTER, "--preset", "spbe", "-o", "x.yaml", "--figure", "x.gif"],
         ["'x.gif'", ".png"]),
        (["simplify", LETTER, "--pass", "delayr", "-o", "x.yaml"], ["'delayr'"]),
        (["simplify", LETTER, "--pass", "delayer", "--option", "delayer.remve=1",
          "-o", "x.yaml"], ["'remve'"]),
        (["simplify", LETTER, "--option", "delayer.remove_levels=2020-13-45", "-o", "x.yaml"],
         ["not valid YAML"]),
        (["render", LETTER, "-o", "x.jpg"], ["'x.jpg'"]),
        (["schema", "-o", "schema.yaml"], [".json"]),
        (["portfolio", LETTER, "--figure", "cut.bmp"], ["'cut.bmp'"]),
        (["portfolio", LETTER, "-o", "table.xlsx"], ["'table.xlsx'", ".csv"]),
        (["portfolio", LETTER, "--workers", "100000"], ["--workers"]),
        (["portfolio", LETTER, "--unit", "day"], ["--figure"]),
        (["measure", LETTER, "-n", "99999999999"], ["-n must be between 0 and 10,000,000"]),
    ])
    def test_refused(self, capsys: pytest.CaptureFixture[str], no_work: None,
                     tmp_path: Path, monkeypatch: pytest.MonkeyPatch, argv: list[object],
                     names: list[str]) -> None:
        monkeypatch.chdir(tmp_path)
        assert_usage_error(*run(capsys, *argv), *names)
        assert list(tmp_path.iterdir()) == []  # nothing written

    def test_a_bad_dask_address(self, capsys: pytest.CaptureFixture[str]) -> None:
        pytest.importorskip("distributed")
        assert_usage_error(*run(capsys, "portfolio", LETTER, "--dask", "nonsense", "-n", "0"),
                           "--dask 'nonsense': cannot connect")

    def test_the_figure_of_a_catalogue_in_two_units(self, capsys: pytest.CaptureFixture[str],
                                                    tmp_path: Path) -> None:
        hourly = tmp_path / "hourly.yaml"
        ps.save(ps.load(LETTER).model_copy(update={"time_unit": "hour"}), hourly)
        paths = [LETTER, hourly, "--scenario", "flat=delayering_2019", "-n", "0",
                 "--no-progress"]
        assert_usage_error(*run(capsys, "portfolio", *paths, "--figure", tmp_path / "a.png"),
                           "days and hours")
        status, out, _ = run(capsys, "portfolio", *paths, "--figure", tmp_path / "b.png",
                             "--unit", "hour")
        assert status == 0 and (tmp_path / "b.png").exists()
        assert "in days" in out and "in hours" in out


#: Pieces of command lines, valid and not, for the fuzz test below.
COMMANDS = ("measure", "validate", "convert", "schema", "simplify", "compare", "render",
            "passes", "portfolio", "shrink", "")
SUFFIXES = (".yaml", ".json", ".bpmn", ".mmd", ".dot", ".png", ".svg", ".csv", ".txt", "")
YAML_VALUES = ("[echelon_3]", "[eselon_3]", "echelon_3", "[a", "2020-13-45", "!!set {a}",
               "!!python/object:os.system", "{}", "[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]", "1e400",
               "-1", "0.5", "null", "[head, staff]", "'x'", "{dist: uniform, low: 2, high: 1}")


@st.composite
def command_lines(draw: st.DrawFn, tmp: Path) -> list[str]:
    """A command line made of real commands, flags and files, in any combination."""
    files = [str(LETTER), str(tmp / "missing.yaml"), str(tmp / "broken.yaml"), "-",
             str(EXAMPLES / "business_licence.yaml")]
    outputs = st.sampled_from(SUFFIXES).map(lambda sfx: str(tmp / f"out{sfx}"))
    numbers = st.sampled_from(["0", "2", "20", "-1", "1", "x", "1e3", "99999999999"])
    passes = st.sampled_from([*BUILTIN, "nope", ""])
    option_names = sorted({f for row in BUILTIN_PASSES for f in row.options.model_fields})
    options = st.builds(lambda p, k, v: f"{p}.{k}={v}", passes,
                        st.sampled_from([*option_names, "bogus"]),
                        st.sampled_from(YAML_VALUES)) | st.text(max_size=8)
    flag = st.one_of(
        st.tuples(st.just("-n"), numbers), st.tuples(st.just("--seed"), numbers),
        st.tuples(st.just("-o"), outputs), st.tuples(st.just("--figure"), outputs),
        st.tuples(st.just("--preset"), st.sampled_from([*PRESETS, "nope"])),
        st.tuples(st.just("--pass"), passes), st.tuples(st.just("--option"), options),
        st.tuples(st.just("--format"), st.sampled_from(["yaml", "json", "bpmn", "xml"])),
        st.tuples(st.just("--scenario"), st.sampled_from(
            ["flat=delayering_2019", "d=digitize,parallelize", "x=", "=y", "x=nope"])),
        st.tuples(st.just("--unit"), st.sampled_from(["day", "hour", "fortnight"])),
        st.tuples(st.sampled_from(["--json", "--markdown", "--report", "--gantt",
                                   "--no-progress", "--debug", "--bogus", "-h"])),
    )
    argv = [draw(st.sampled_from(COMMANDS))]
    argv += draw(st.lists(st.sampled_from(files), max_size=2))
    for piece in draw(st.lists(flag, max_size=5)):
        argv += piece
    return [a for a in argv if a != ""] or ["measure"]


class TestAnyArguments:
    """Whatever the arguments: a clean exit (0, or 2 with one line), never an internal error."""

    @settings(max_examples=60, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(data=st.data())
    def test_only_clean_exits(self, capsys: pytest.CaptureFixture[str], tmp_path: Path,
                              monkeypatch: pytest.MonkeyPatch, data: st.DataObject) -> None:
        (tmp_path / "broken.yaml").write_text("steps: [{id: a, role: ghost}]\n")
        argv = data.draw(command_lines(tmp_path), label="argv")
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(LETTER.read_bytes())))
        try:
            status = main(argv)
        except SystemExit as exc:  # --help prints and exits 0
            status = exc.code if isinstance(exc.code, int) else 2
        err = capsys.readouterr().err
        assert "internal error" not in err, err
        assert status in (0, 2) or (argv[0] == "portfolio" and "failed:" in err), (status, err)
        if "--debug" not in argv:
            assert "Traceback" not in err, err
            if status == 2:
                assert err.startswith("procsimp: error: "), err


def test_passes(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "passes")
    assert status == 0
    assert "delayer" in out and "Remove hierarchy levels" in out
    for name in PRESETS:
        assert name in out


def test_unknown_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert_usage_error(*run(capsys, "shrink", LETTER), "shrink")


@pytest.mark.skipif(shutil.which("procsimp") is None, reason="console script not installed")
def test_console_script() -> None:
    done = subprocess.run([shutil.which("procsimp") or "procsimp", "measure", str(LETTER),
                           "-n", "100"], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "layers" in done.stdout and "Simulated lead time (100 cases" in done.stdout
