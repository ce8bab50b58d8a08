"""The package's shape: no import cycles, the parts and arrows of docs/architecture.md,
no function shadowing its module, ``__all__`` everywhere, everything the docs import
reachable from ``ps``, no process-wide switches."""

from __future__ import annotations

import ast
import importlib
import re

import pytest

import procsimp as ps
from tests.imports import PACKAGE, cycles, import_graph, module_names

ROOT = PACKAGE.parent
DOC = ROOT / "docs" / "architecture.md"


def documented_parts() -> tuple[dict[str, list[str]], set[tuple[str, str]]]:
    """The parts (name -> module patterns) and arrows (part -> part) of the architecture page.

    Read from its fenced block ``parts``: lines ``name: pattern pattern ...`` and
    ``name -> other other ...``.
    """
    text = DOC.read_text(encoding="utf-8")
    block = re.search(r"```text parts\n(.*?)```", text, re.S)
    assert block, "docs/architecture.md has no ```text parts block"
    parts: dict[str, list[str]] = {}
    arrows: set[tuple[str, str]] = set()
    for line in block.group(1).splitlines():
        line = line.split("#")[0].strip()
        if not line:
            continue
        if "->" in line:
            source, targets = (x.strip() for x in line.split("->", 1))
            arrows |= {(source, t) for t in targets.split()}
        else:
            name, patterns = (x.strip() for x in line.split(":", 1))
            parts[name] = patterns.split()
    return parts, arrows


def part_of(module: str, parts: dict[str, list[str]]) -> str:
    """The part a module belongs to: named exactly, else by the longest ``prefix.*``."""
    exact = [name for name, patterns in parts.items() if module in patterns]
    assert len(exact) <= 1, f"module {module} is named in the parts {exact} in the docs"
    if exact:
        return exact[0]
    prefixes = sorted(((len(p), name) for name, patterns in parts.items() for p in patterns
                       if p.endswith(".*") and module.startswith(p[:-1])), reverse=True)
    assert prefixes, f"module {module} belongs to no part in the docs"
    assert len(prefixes) == 1 or prefixes[0][0] != prefixes[1][0], \
        f"module {module} matches two parts equally in the docs"
    return prefixes[0][1]


def test_no_import_cycles():
    # lazy imports count: a cycle through a function-level import is a cycle all the same
    assert cycles(import_graph()) == []


def test_parts_and_arrows_match_the_architecture_page():
    parts, arrows = documented_parts()
    graph = import_graph()
    actual = {(part_of(m, parts), part_of(t, parts)) for m, ts in graph.items() for t in ts}
    actual = {(a, b) for a, b in actual if a != b}
    assert actual - arrows == set(), "imports the architecture page does not draw"
    assert arrows - actual == set(), "arrows on the architecture page no import makes"


def test_the_part_arrows_have_no_cycle():
    parts, arrows = documented_parts()
    graph = {name: {b for a, b in arrows if a == name} for name in parts}
    assert cycles(graph) == []


def test_no_function_shadows_its_module():
    shadowed = []
    for name in module_names():
        if "." not in name:
            continue
        module = importlib.import_module(name)
        parent_name, _, attr = name.rpartition(".")
        parent = importlib.import_module(parent_name)
        if getattr(parent, attr, module) is not module:
            shadowed.append(f"{parent_name}.{attr} is {getattr(parent, attr)!r}, not the module")
    assert shadowed == []


def test_every_public_module_declares_all():
    missing, stray = [], []
    for name in module_names():
        if any(part.startswith("_") for part in name.split(".")):
            continue
        module = importlib.import_module(name)
        names = getattr(module, "__all__", None)
        if names is None:
            missing.append(name)
            continue
        stray += [f"{name}.{n}" for n in names if not hasattr(module, n)]
    assert missing == [] and stray == []


def _docs_imports() -> list[tuple[str, str, str]]:
    """(page, module, name) of every ``from procsimp... import name`` in the docs' code."""
    found = []
    pages = [*sorted((ROOT / "docs").rglob("*.md")), ROOT / "README.md"]
    for page in pages:
        for code in re.findall(r"```(?:python|py|pycon)?\n(.*?)```", page.read_text("utf-8"),
                               re.S):
            code = "\n".join(line[4:] if line.startswith((">>> ", "... ")) else line
                             for line in code.splitlines())
            try:
                tree = ast.parse(code)
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("procsimp"):
                    found += [(page.name, node.module, a.name) for a in node.names]
    return found


def test_what_the_docs_import_is_one_hop_from_ps():
    imports = _docs_imports()
    far = [f"{page}: from {module} import {name}" for page, module, name in imports
           if not hasattr(ps, name) and module != "procsimp"]
    assert far == []


@pytest.mark.parametrize("pattern", [r"\bgc\.(disable|enable|freeze)\(", r"register_namespace\(",
                                     r"setrecursionlimit\(", r"np\.seterr\(",
                                     r"matplotlib\.use\(", r"rcParams\[[^]]+\]\s*="])
def test_no_process_wide_switches(pattern):
    hits = [f"{path.relative_to(ROOT)}:{i}" for path in PACKAGE.rglob("*.py")
            for i, line in enumerate(path.read_text("utf-8").splitlines(), 1)
            if re.search(pattern, line)]
    assert hits == []
