"""The docs index of passes, written from the pass table.

``docs/passes/index.md`` is the text :func:`index_page` returns for the built-in
passes (a test checks that it still is); regenerate it after changing the table:

    python -m procsimp.passes._docs > docs/passes/index.md
"""

from __future__ import annotations

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
        "| pass | what it does | options | default |",
        "|---|---|---|---|",
    ]
    for row in rows:
        options = ", ".join(f"`{name}`" for name in row.options.model_fields) or "(none)"
        lines.append(f"| [{row.name}]({row.name}.md) | {row.summary} | {options} | "
                     f"{'yes' if row.default else ''} |")
    default = [row.name for row in rows if row.default]
    lines += ["", "Default pipeline: " + (" -> ".join(f"`{n}`" for n in default) or "(none)")
              + ".", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    from procsimp.passes import BUILTIN_PASSES

    sys.stdout.write(index_page(BUILTIN_PASSES))
