"""Fuzzed documents: seed texts mutated as a careless or hostile author would, JSON values.

Used by the loaders' fuzz tests (tests/test_hostile_input.py): any text these give
must load or be refused with a ProcsimpError.
"""

from __future__ import annotations

from hypothesis import strategies as st

#: Pieces of YAML syntax and odd values a careless or hostile author might insert.
YAML_TOKENS = ["&a ", "*a", "&b ", "*b", "!!", "!!str ", "!x ", "<<: ", "<<: *a", "[", "]",
               "{", "}", ": ", "- ", "? ", "|", ">", "%YAML 1.1\n", "%TAG ! tag:x,1:\n",
               "---\n", "...\n", "\t", "\n", "  ", "#", "'", '"', "\\", ",", "1e400",
               "-1e400", ".inf", ".nan", "0x1F", "0o17", "~", "null", "yes", "2024-01-01",
               "12:30:00", "\ufeff", "\x00", "\x85", "\u2028", "é", "9" * 400, "-1", "1e9",
               "sum", "dist: ", "rework: ", "after: ", "p: "]


@st.composite
def mutated_text(draw: st.DrawFn, seeds: list[str], tokens: list[str]) -> str:
    """A seed document with a few insertions, deletions and copied spans."""
    text = draw(st.sampled_from(seeds))
    for _ in range(draw(st.integers(1, 6))):
        pos = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["insert", "insert", "delete", "copy"]))
        if op == "insert":
            text = text[:pos] + draw(st.sampled_from(tokens) | st.text(max_size=3)) + text[pos:]
        elif op == "delete":
            text = text[:pos] + text[pos + draw(st.integers(1, 20)):]
        else:
            start = draw(st.integers(0, len(text)))
            text = text[:pos] + text[start:start + draw(st.integers(1, 200))] + text[pos:]
    return text


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**30), 10**30) | st.floats()
    | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["id", "level", "role", "roles", "levels", "steps", "after", "rework",
                         "to", "p", "delay", "mode", "step", "hard", "time_unit", "name",
                         "duration", "dist", "kind", "join", "needs", "produces", "locked",
                         "reports_to", "handoff_delay", "parts", "low", "high", "mode"])
        | st.text(max_size=4), inner, max_size=3),
    max_leaves=8)
