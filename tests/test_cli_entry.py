"""Every CLI command through the real entry point (``python -m procsimp.cli``), in a subprocess.

Each command has its success path and its error path: exit status 2, one line on
standard error, no traceback unless ``--debug``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import procsimp as ps
from procsimp.comparison import METRICS

ROOT = Path(__file__).resolve().parents[1]
LETTER = ROOT / "examples" / "outgoing_letter.yaml"
COMMANDS = ("measure", "validate", "convert", "schema", "simplify", "compare", "passes",
            "render", "portfolio")


def cli(*argv: str | Path, stdin: str | None = None,
        cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MPLBACKEND": "Agg"}
    return subprocess.run([sys.executable, "-m", "procsimp.cli", *map(str, argv)],
                          input=stdin, capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=120, check=False)


def assert_error(run: subprocess.CompletedProcess[str], *words: str) -> None:
    """Status 2, one line on standard error naming ``words``, no traceback."""
    assert run.returncode == 2, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("procsimp: error: ")
    assert "Traceback" not in run.stderr
    for w in words:
        assert w in lines[0]


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "broken.yaml"
    path.write_text("steps: [ {id: a\n")
    return path


@pytest.mark.parametrize("command", COMMANDS)
def test_help_has_examples(command: str) -> None:
    run = cli(command, "--help")
    assert run.returncode == 0
    assert "examples:" in run.stdout and f"procsimp {command}" in run.stdout.split("examples:")[1]


class TestMeasure:
    def test_json_is_one_object_keyed_by_the_metric_names(self) -> None:
        run = cli("measure", LETTER, "-n", "200", "--json")
        assert run.returncode == 0, run.stderr
        data = json.loads(run.stdout)
        expected = ps.measure(ps.load(LETTER))
        for name, _ in METRICS:
            assert data[name] == pytest.approx(getattr(expected, name))
        assert data["critical_path"] == list(expected.critical_path)
        assert data["simulation"]["n"] == 200

    def test_stdin(self) -> None:
        run = cli("measure", "-", "-n", "0", "--json", stdin=LETTER.read_text())
        assert run.returncode == 0, run.stderr
        assert json.loads(run.stdout)["layers"] == 4

    def test_stdin_json(self) -> None:
        text = ps.dumps(ps.load(LETTER), "json")
        run = cli("measure", "-", "--format", "json", "-n", "0", "--json", stdin=text)
        assert json.loads(run.stdout)["steps"] == len(ps.load(LETTER).steps)

    def test_error(self, broken: Path) -> None:
        assert_error(cli("measure", broken), "broken.yaml", "malformed YAML")

    def test_error_on_stdin_names_stdin(self) -> None:
        assert_error(cli("measure", "-", stdin="steps: [ {id: a\n"), "<stdin>")

    def test_debug_shows_the_traceback(self, broken: Path) -> None:
        for argv in (("measure", broken, "--debug"), ("--debug", "measure", broken)):
            run = cli(*argv)
            assert run.returncode == 2
            assert "Traceback" in run.stderr and "FileFormatError" in run.stderr
            assert run.stderr.strip().splitlines()[-1].startswith("procsimp: error: ")


class TestValidate:
    def test_ok_and_stdin(self) -> None:
        run = cli("validate", LETTER, "-", stdin=LETTER.read_text())
        assert run.returncode == 0, run.stderr
        assert run.stdout.count(": ok") == 2

    def test_error(self, broken: Path) -> None:
        assert_error(cli("validate", broken), "broken.yaml")


class TestConvert:
    def test_from_stdin(self, tmp_path: Path) -> None:
        out = tmp_path / "letter.json"
        run = cli("convert", "-", "-o", out, stdin=LETTER.read_text())
        assert run.returncode == 0, run.stderr
        assert ps.load(out) == ps.load(LETTER)

    def test_error(self, tmp_path: Path) -> None:
        assert_error(cli("convert", LETTER, "-o", tmp_path / "letter.txt"), "letter.txt")


class TestSchema:
    def test_stdout(self) -> None:
        run = cli("schema")
        assert run.returncode == 0
        assert "$defs" in json.loads(run.stdout)

    def test_error(self, tmp_path: Path) -> None:
        assert_error(cli("schema", "-o", tmp_path / "missing" / "dir" / "schema.json"),
                     "schema.json")


class TestSimplify:
    def test_json_from_stdin(self, tmp_path: Path) -> None:
        out = tmp_path / "after.yaml"
        run = cli("simplify", "-", "--preset", "delayering_2019", "-o", out, "--report",
                  "-n", "200", "--json", stdin=LETTER.read_text())
        assert run.returncode == 0, run.stderr
        data = json.loads(run.stdout)
        assert data["passes"] == ["delayer"]
        assert {c["kind"] for c in data["changes"]} >= {"removed"}
        assert data["report"]["metrics"]["layers"]["after"] == 2
        assert ps.measure(ps.load(out)).layers == 2

    def test_error(self, tmp_path: Path) -> None:
        assert_error(cli("simplify", LETTER, "--preset", "nope", "-o", tmp_path / "a.yaml"),
                     "unknown preset 'nope'")


class TestCompare:
    def test_json_with_before_on_stdin(self, tmp_path: Path) -> None:
        after = tmp_path / "after.yaml"
        ps.save(ps.simplify(ps.load(LETTER), "delayering_2019").process, after)
        run = cli("compare", "-", after, "-n", "200", "--json", stdin=LETTER.read_text())
        assert run.returncode == 0, run.stderr
        layers = json.loads(run.stdout)["metrics"]["layers"]
        assert (layers["before"], layers["after"]) == (4, 2)

    def test_error(self) -> None:
        assert_error(cli("compare", "-", "-", stdin=""), "only one of BEFORE and AFTER")

    def test_usage_error(self) -> None:
        assert_error(cli("compare", LETTER), "required")


class TestPasses:
    def test_json(self) -> None:
        data = json.loads(cli("passes", "--json").stdout)
        assert set(data["passes"]) == set(ps.available_passes())
        assert data["presets"]["delayering_2019"]["passes"] == ["delayer"]

    def test_error(self) -> None:
        assert_error(cli("passes", "--bogus"), "unrecognized arguments")


class TestRender:
    def test_png_from_stdin(self, tmp_path: Path) -> None:
        out = tmp_path / "letter.png"
        run = cli("render", "-", "-o", out, stdin=LETTER.read_text())
        assert run.returncode == 0, run.stderr
        assert out.read_bytes()[:4] == b"\x89PNG"

    def test_error(self, tmp_path: Path) -> None:
        assert_error(cli("render", LETTER, "-o", tmp_path / "letter.gif"), "letter.gif")


class TestPortfolio:
    def test_folder_with_a_corrupt_file(self, tmp_path: Path, broken: Path) -> None:
        folder = tmp_path / "catalogue"
        folder.mkdir()
        for p in (ROOT / "examples").glob("*.yaml"):
            (folder / p.name).write_text(p.read_text())
        (folder / "broken.yaml").write_text(broken.read_text())
        table, figure = tmp_path / "table.csv", tmp_path / "cut.png"
        run = cli("portfolio", folder, "--scenario", "flat=delayering_2019",
                  "--scenario", "fast=digitize,parallelize", "-n", "200", "--workers", "2",
                  "-o", table, "--figure", figure, "--no-progress")
        assert run.returncode == 1  # some processes failed; the others are reported
        # the three examples lose two layers each: a mean of 2 per process, in days
        assert "flat (3 processes in days, cases per year not given for all: means per " \
               "process)" in run.stdout and ", 2.00 layers" in run.stdout
        [line] = [x for x in run.stderr.splitlines() if x.startswith("procsimp:")]
        assert line.startswith("procsimp: failed: ") and "broken.yaml" in line
        assert len(table.read_text().strip().splitlines()) == 1 + 3 * 2
        assert figure.read_bytes()[:4] == b"\x89PNG"

    def test_json(self) -> None:
        run = cli("portfolio", "examples/*.yaml", "--scenario", "flat=delayering_2019",
                  "-n", "0", "--json", "--no-progress")
        assert run.returncode == 0, run.stderr
        data = json.loads(run.stdout)
        assert len(data["rows"]) == 3 and data["failures"] == []

    def test_error(self) -> None:
        assert_error(cli("portfolio", "examples", "--scenario", "x=no_such_preset"),
                     "scenario 'x'", "no_such_preset")

    def test_bad_scenario_syntax(self) -> None:
        assert_error(cli("portfolio", "examples", "--scenario", "flat"), "NAME=PRESET")


def test_unknown_command() -> None:
    assert_error(cli("fly"), "invalid choice")
