"""Event logs as text tables (for the readers' property tests): a few cases, their
events in any row order, times written in one of several ISO 8601 forms, a case
attribute that may be missing. Rows are drawn directly (no ``assume``)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

#: Forms of one instant in seconds since 2024-01-01 00:00: naive with a space or a
#: ``T``, with an offset, with fractional seconds, in UTC (``Z``).
TIME_FORMS = ("naive", "naive_t", "offset", "fraction", "utc")


def _format(seconds: int, form: str) -> str:
    import datetime as dt

    base = dt.datetime(2024, 1, 1) + dt.timedelta(seconds=seconds)
    if form == "naive":
        return base.strftime("%Y-%m-%d %H:%M:%S")
    if form == "naive_t":
        return base.strftime("%Y-%m-%dT%H:%M:%S")
    if form == "offset":
        return base.strftime("%Y-%m-%dT%H:%M:%S") + "+07:00"
    if form == "fraction":
        return base.strftime("%Y-%m-%dT%H:%M:%S") + ".250+02:00"
    return base.strftime("%Y-%m-%dT%H:%M:%S") + "Z"


@st.composite
def event_rows(draw: Any, *, max_events: int = 30) -> dict[str, list[Any]]:
    """Columns of an event log (``case:concept:name``, ``concept:name``,
    ``time:timestamp``, ``case:channel``, ``case:amount``): case ids text or integers,
    rows shuffled or grouped, every time in one drawn form."""
    n = draw(st.integers(1, max_events))
    numeric = draw(st.booleans())
    ids = draw(st.lists(st.integers(0, 500) if numeric else
                        # text ids begin with a letter (a CSV reader reads "00" as 0)
                        st.builds(lambda a, b: a + b, st.sampled_from("abkxyz"),
                                  st.text("abcxyz-_ 09", max_size=5)).filter(
                            lambda s: s.strip() == s and s.lower() not in
                            {"nan", "na", "null", "none", "n/a"}),
                        min_size=1, max_size=6, unique=True))
    form = draw(st.sampled_from(TIME_FORMS))
    names = draw(st.sampled_from([["A", "B", "C d"], ["10", "9", "010"], ["1", "x"]]))
    rows = []
    for _ in range(n):
        rows.append((draw(st.sampled_from(ids)), draw(st.sampled_from(names)),
                     draw(st.integers(0, 90 * 86400))))
    if draw(st.booleans()):  # a file that keeps each case's events together
        rows.sort(key=lambda r: (ids.index(r[0]), r[2]))
    channel = {c: draw(st.sampled_from(["Internet", "Desk", ""])) for c in ids}
    amount = {c: draw(st.one_of(st.none(), st.integers(0, 10**6))) for c in ids}
    return {"case:concept:name": [r[0] for r in rows],
            "concept:name": [r[1] for r in rows],
            "time:timestamp": [_format(r[2], form) for r in rows],
            "case:channel": [channel[r[0]] for r in rows],
            "case:amount": [amount[r[0]] for r in rows]}
