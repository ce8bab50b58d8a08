"""The docs index of passes, written from the pass table.

``docs/passes/index.md`` is the text :func:`index_page` returns for the built-in
passes (a test checks that it still is); regenerate it after changing the table:

    python -m procsimp.passes._docs > docs/passes/index.md
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable

from procsimp.passes.base import PassInfo, pass_table


def index_page(rows: Iterable[PassInfo] | None = None) -> str:
    """The Markdown index of ``rows`` (default: every row of the pass table), in order."""
    rows = pass_table() if rows is None else tuple(rows)
    lines = [
        "# Passes",
        "",
        "<!-- Generated from the pass table (procsimp.passes.BUILTIN_PASSES); do not edit.",
        "     Regenerate: python -m procsimp.passes._docs > docs/passes/index.md -->",
        "",
        "Every pass in the order of the pass table (the `all` preset runs the built-in ones in",
        "this order); *default*: in the default pipeline, which `ps.simplify(proc)` runs when",
        "no passes are named. [Writing a pass](../writing-a-pass.md) adds one.",
        "",
        "| pass | what it does | options | default | heuristic |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        options = ", ".join(f"`{name}`" for name in row.options.model_fields) or "(none)"
        lines.append(f"| [{row.name}]({row.name}.md) | {row.summary} | {options} | "
                     f"{'yes' if row.default else ''} | {', '.join(heuristics(row))} |")
    default = [row.name for row in rows if row.default]
    lines += ["", "Default pipeline: " + (" -> ".join(f"`{n}`" for n in default) or "(none)")
              + ".", "",
              "Heuristic: the redesign heuristic of Reijers, H. A. and Limam Mansar, S. (2005),",
              "*Best practices in business process redesign: an overview and qualitative",
              "evaluation of successful redesign heuristics*, Omega 33(4), 283-306, that the",
              "pass applies (from its module's docstring).", ""]
    return "\n".join(lines)


#: The paragraph of a pass module's docstring naming its heuristics (in *italics*).
HEURISTIC = re.compile(r"Reijers & Limam Mansar \(2005\) heuristic:(.*?)(?:\n\s*\n|$)", re.S)


def heuristics(row: PassInfo) -> list[str]:
    """The Reijers & Limam Mansar heuristics the docstring of the pass's module names."""
    module = sys.modules.get(getattr(row.function, "__module__", ""), None)
    found = HEURISTIC.search(getattr(module, "__doc__", None) or "")
    terms = re.findall(r"\*([^*]+)\*", found.group(1)) if found else []
    return [" ".join(term.split()) for term in terms]


if __name__ == "__main__":
    from procsimp.passes import BUILTIN_PASSES

    sys.stdout.write(index_page(BUILTIN_PASSES))
