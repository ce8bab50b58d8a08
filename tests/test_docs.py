"""The code in the documentation runs, so the docs cannot go stale."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import procsimp as ps

DOCS = Path(__file__).resolve().parents[1] / "docs"


def python_blocks(page: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", (DOCS / page).read_text(encoding="utf-8"), re.S)


def test_writing_a_pass_example_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(DOCS.parent)
    namespace: dict[str, object] = {}
    try:
        for block in python_blocks("writing-a-pass.md"):
            exec(compile(block, "writing-a-pass.md", "exec"), namespace)
        res = namespace["res"]
        assert isinstance(res, ps.Result)
        assert [c.steps for c in res.changes_of("e_sign")] == [("sign",)]
        assert ps.measure(res.process).lead_time < ps.measure(res.original).lead_time
    finally:
        ps.unregister_pass("e_sign")


def test_simplify_page_example_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(DOCS.parent)
    namespace: dict[str, object] = {}
    for block in python_blocks("simplify.md"):
        exec(compile(block, "simplify.md", "exec"), namespace)
    assert isinstance(namespace["rep"], ps.Report)


def test_every_pass_has_a_page() -> None:
    for name in ps.available_passes():
        assert (DOCS / "passes" / f"{name}.md").exists(), name


def test_the_compare_page_shows_the_actual_output(monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """docs/compare.md calls its example "the actual output" of a command: it is (it was
    stale: simulated figures from an older engine and no on-time table)."""
    from procsimp.cli import main

    page = (DOCS / "compare.md").read_text(encoding="utf-8")
    command = re.search(r"```\n(procsimp simplify [^\n]+)\n```", page)
    assert command is not None
    shown = re.search(r"```\n(Outgoing letter approval.*?)```", page, re.S)
    assert shown is not None
    monkeypatch.chdir(DOCS.parent)
    argv = command.group(1).split()[1:]
    argv[argv.index("-o") + 1] = str(tmp_path / "letter_2019.yaml")
    assert main(argv) == 0
    out = capsys.readouterr().out.replace(str(tmp_path / "letter_2019.yaml"),
                                          "letter_2019.yaml")
    assert out == shown.group(1)
