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
