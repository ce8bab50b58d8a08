"""Hypothesis strategies for procsimp: valid processes by construction, and bad input.

The one shared place of strategies; every property test imports from here or from
its two modules: :mod:`strategies.terms` (processes drawn with their structure, for
tests that compute the expected figure from the structure alone) and
:mod:`strategies.documents` (mutated texts and JSON values, for the loaders' fuzz
tests).

Valid processes are built in topological order, never filtered with
``assume`` (Zac-HD's recipe, HypothesisWorks/hypothesis#2464). A process is a
sequence of *items*: a plain step, an exclusive choice block (a split whose
2-3 branches carry probabilities summing to exactly 1, closed by a
``join: any`` step whose predecessors are exactly the branch ends; at most
one branch may be empty, an edge with ``p`` straight from the split to the
join) or a rework block (a single-entry single-exit region whose last step
sends the file back to its first); with ``open_choices`` also a top-level
choice that is never merged (its branches end the process in different final
steps, which is not block-structured). Branches and rework bodies are nested
sequences of items, so blocks nest. A plain step draws its predecessors from
the steps visible in its sequence, taken from the reversed list so that
failures shrink to a simple chain; the insides of a closed block are not
visible afterwards, which keeps every block single-entry single-exit and
every ``join: all`` over predecessors that run under the same branch
condition. Needs are drawn from artifacts produced on *every* path to a step.

Public strategies:

- :func:`process_dicts` / :func:`processes`: valid raw dicts / validated
  :class:`procsimp.Process` objects; flags ``choices``, ``rework``, ``needs``
  switch on the optional features (``open_choices``: choices never merged).
- :func:`durations` (raw, as in a file) and :func:`distributions` (models).
- :func:`garbage`: random nested data, for fuzzing.
- :func:`invalid_process_dicts`: a valid dict with one mutation that makes it
  certainly invalid, with substrings the error message must contain.
- :func:`mutated_process_dicts`: a valid dict with a random part replaced,
  deleted or added (possibly still valid), for fuzzing.
- :func:`tangled_process_dicts`: random structure (any DAG or cycle, ``p`` on any
  edge, any join, rework anywhere), often invalid, for fuzzing the
  whole-process checks.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from hypothesis import strategies as st

import procsimp as ps
from procsimp import durations as d

# --- text and numbers -------------------------------------------------------------------

#: Characters for free text: any that UTF-8 can encode (lone surrogates cannot; see
#: test_files.py::TestAtomicSave for those). U+0085 (NEL) included: test_files.py::TestYamlText.
TEXT_CHARACTERS = st.characters(codec="utf-8")

STEP_KINDS = ("task", "review", "approval", "signature", "handoff")
TIME_UNITS = ("hour", "day", "week")
#: Branch probabilities of a choice: exact in binary or summing to 1 within 1e-15.
PROBABILITY_SETS: tuple[tuple[float, ...], ...] = (
    (0.5, 0.5),
    (0.25, 0.75),
    (0.125, 0.875),
    (0.1, 0.9),
    (0.2, 0.3, 0.5),
    (0.25, 0.25, 0.5),
    (0.125, 0.375, 0.5),
)
#: Keys of the file format, so that garbage sometimes looks like a process.
SCHEMA_KEYS = (
    "name", "description", "time_unit", "handoff_delay", "levels", "roles", "steps", "id",
    "level", "reports_to", "locked", "rate", "role", "kind", "duration", "work", "cost", "after",
    "step", "p", "delay", "hard", "join", "needs", "produces", "rework", "to", "mode", "dist",
    "low", "mode", "high", "median", "p90", "mu", "sigma", "values",
)
#: An id no generated process uses (generated ids end in a digit).
UNKNOWN_ID = "zz_unknown"


@functools.cache
def texts(min_size: int = 0, max_size: int = 12) -> st.SearchStrategy[str]:
    """Free text: names, descriptions (any character UTF-8 can encode)."""
    return st.text(TEXT_CHARACTERS, min_size=min_size, max_size=max_size)


@functools.cache
def _sometimes(percent: int) -> st.SearchStrategy[bool]:
    """True with about ``percent``% probability; shrinks to False."""
    return st.integers(0, 99).map(lambda x: x >= 100 - percent)


@functools.cache
def magnitudes(max_value: float = 10.0) -> st.SearchStrategy[float]:
    """Small non-negative numbers, integers or floats (shrink to 0)."""
    return st.one_of(
        st.integers(0, int(max_value)),
        st.floats(0, max_value, allow_nan=False, allow_infinity=False),
    ).map(float)


@functools.cache
def _positive(max_value: float = 10.0) -> st.SearchStrategy[float]:
    return st.floats(0.01, max_value, allow_nan=False, allow_infinity=False)


# --- durations ------------------------------------------------------------------------


@st.composite
def _ordered(draw: st.DrawFn, n: int, max_value: float) -> list[float]:
    return sorted(draw(st.lists(magnitudes(max_value), min_size=n, max_size=n)))


@st.composite
def _triangular(draw: st.DrawFn, dist: str, max_value: float) -> dict[str, Any]:
    low, mode, high = draw(_ordered(3, max_value))
    return {"dist": dist, "low": low, "mode": mode, "high": high}


@st.composite
def _uniform(draw: st.DrawFn, max_value: float) -> dict[str, Any]:
    low, high = draw(_ordered(2, max_value))
    return {"dist": "uniform", "low": low, "high": high}


@st.composite
def _lognormal_quantiles(draw: st.DrawFn, max_value: float) -> dict[str, Any]:
    median = draw(_positive(max_value))
    factor = draw(st.floats(1, 5, allow_nan=False))
    return {"dist": "lognormal", "median": median, "p90": median * factor}


@st.composite
def _lognormal_moments(draw: st.DrawFn) -> dict[str, Any]:
    mu = draw(st.floats(-2, 2, allow_nan=False))
    sigma = draw(st.floats(0, 1.5, allow_nan=False))
    return {"dist": "lognormal", "mu": mu, "sigma": sigma}


def _empirical(max_value: float) -> st.SearchStrategy[dict[str, Any]]:
    return st.lists(magnitudes(max_value), min_size=1, max_size=8).map(
        lambda values: {"dist": "empirical", "values": values}
    )


@functools.cache
def durations(
    max_value: float = 10.0, *, fixed: bool = True
) -> st.SearchStrategy[float | dict[str, Any]]:
    """A duration as written in a file: a number or a ``{dist: ...}`` mapping, every family.

    ``fixed=False`` leaves plain numbers out (only distributions).
    """
    families = [
        _triangular("triangular", max_value),
        _triangular("pert", max_value),
        _uniform(max_value),
        _lognormal_quantiles(max_value),
        _lognormal_moments(),
        _empirical(max_value),
    ]
    if fixed:
        families.insert(0, magnitudes(max_value))
    return st.one_of(*families)


_DIST_CLASSES: dict[str, type[Any]] = {
    "triangular": d.Triangular, "pert": d.Pert, "uniform": d.Uniform,
    "lognormal": d.Lognormal, "empirical": d.Empirical,
}


def as_distribution(raw: float | dict[str, Any]) -> float | Any:
    """A raw duration turned into what a model holds: a float or a distribution model."""
    if isinstance(raw, dict):
        return _DIST_CLASSES[raw["dist"]].model_validate(raw)
    return float(raw)


@functools.cache
def distributions(max_value: float = 10.0) -> st.SearchStrategy[Any]:
    """Distribution models (``procsimp.durations.Triangular`` ...), every family."""
    return durations(max_value, fixed=False).map(as_distribution)


# --- valid processes ----------------------------------------------------------------------

#: How an edge is written: mostly a plain id; sometimes a mapping, a delay, a hard flag.
_EDGE_FORMS = st.sampled_from(
    ("plain", "plain", "plain", "plain", "mapping", "delay", "hard", "delay hard")
)
#: A step's kind: left to the default about a third of the time.
_KINDS = st.sampled_from((None, None, None, *STEP_KINDS))
#: A step's duration: left to the default (0) now and then.
_STEP_DURATIONS = st.one_of(st.none(), durations())
#: Optional step fields, a few per step: a non-default flag or a value to draw.
_STEP_EXTRAS = st.lists(
    st.sampled_from(("locked", "name", "work", "cost", "applicant_facing", "digitizable",
                     "join", "locked", "work", "cost")),
    max_size=3, unique=True,
)



@dataclass
class _Builder:
    """Builds the steps of one process in topological order (see the module docstring)."""

    draw: st.DrawFn
    role_ids: tuple[str, ...]
    step_prefix: str
    choices: bool
    rework: bool
    needs: bool
    open_choices: bool
    max_steps: int
    max_depth: int
    steps: list[dict[str, Any]] = field(default_factory=list)
    by_id: dict[str, dict[str, Any]] = field(default_factory=dict)
    has_successor: set[str] = field(default_factory=set)
    #: artifacts produced on every path to a step, the step included
    must_have: dict[str, frozenset[str]] = field(default_factory=dict)
    artifacts: list[str] = field(default_factory=list)

    @property
    def full(self) -> bool:
        return len(self.steps) >= self.max_steps

    # edges ------------------------------------------------------------------------------

    def edge(self, step_id: str, p: float | None = None) -> str | dict[str, Any]:
        draw = self.draw
        out: dict[str, Any] = {"step": step_id}
        if p is not None:
            out["p"] = p
        form = draw(_EDGE_FORMS)
        if "delay" in form:
            out["delay"] = draw(durations(3.0))
        if "hard" in form:
            out["hard"] = True
        if form == "plain" and p is None:
            return step_id
        return out

    def pick_preds(self, visible: list[str], top: bool) -> list[str | dict[str, Any]]:
        """Predecessors among the visible steps, most recent first (shrinks to a chain)."""
        if not visible or (top and self.draw(_sometimes(12))):
            return []  # a new start of the process (top level only)
        n = len(visible)
        back = self.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=min(3, n),
                                  unique=True))
        return [self.edge(visible[n - 1 - k]) for k in back]

    # steps ------------------------------------------------------------------------------

    def new_step(self, after: list[str | dict[str, Any]], join: str = "all") -> str:
        draw = self.draw
        sid = f"{self.step_prefix}{len(self.steps)}"
        step: dict[str, Any] = {"id": sid, "role": draw(st.sampled_from(self.role_ids))}
        kind = draw(_KINDS)
        if kind is not None:
            step["kind"] = kind
        duration = draw(_STEP_DURATIONS)
        if duration is not None:
            step["duration"] = duration
        if after:
            step["after"] = after
        extras = draw(_STEP_EXTRAS)
        if join != "all" or "join" in extras:
            step["join"] = join
        for flag in ("locked", "applicant_facing", "digitizable"):
            if flag in extras:
                step[flag] = True
        if "name" in extras:
            step["name"] = draw(texts(max_size=20))
        if "work" in extras:
            step["work"] = draw(durations())
        if "cost" in extras:
            step["cost"] = draw(magnitudes(1000.0))
        preds = [e if isinstance(e, str) else e["step"] for e in after]
        self.has_successor.update(preds)
        inherited = [self.must_have[u] for u in preds]
        if not inherited:
            before: frozenset[str] = frozenset()
        elif join == "any":
            before = frozenset.intersection(*inherited)
        else:
            before = frozenset.union(*inherited)
        produced: list[str] = []
        if self.needs:
            if before:
                options = st.sampled_from(tuple(sorted(before)))
                needs = draw(st.lists(options, max_size=2, unique=True))
                if needs:
                    step["needs"] = needs
            for _ in range(draw(st.integers(0, 2))):
                if self.artifacts and draw(_sometimes(20)):
                    art = draw(st.sampled_from(tuple(self.artifacts)))  # a second producer
                else:
                    art = f"art{len(self.artifacts)}"
                    self.artifacts.append(art)
                if art not in produced:
                    produced.append(art)
            if produced:
                step["produces"] = produced
        self.must_have[sid] = before | frozenset(produced)
        self.steps.append(step)
        self.by_id[sid] = step
        return sid

    # blocks -----------------------------------------------------------------------------

    def sequence(
        self, entry: list[str | dict[str, Any]] | None, depth: int, min_steps: int = 1
    ) -> tuple[str, str]:
        """Items in a row; returns (first step, last step).

        ``entry`` is None at the top level (steps may start the process, several may end
        it); otherwise the first item takes the ``entry`` edges, every other step comes
        after steps of this sequence, and open ends are closed by a ``join: all`` step.
        """
        draw = self.draw
        top = entry is None
        kinds = ["step"]
        if depth < self.max_depth:
            kinds += ["choice"] * self.choices + ["rework"] * self.rework
            kinds += ["open_choice"] * (self.open_choices and top)
        limit = self.max_steps if top else 3
        n_items = draw(st.integers(1, max(1, limit)))
        visible: list[str] = []
        first = last = ""
        i = 0
        while i < n_items or len(self.steps) < min_steps:
            if i > 0 and self.full and len(self.steps) >= min_steps:
                break
            preds = (entry or []) if i == 0 else self.pick_preds(visible, top)
            kind = draw(st.sampled_from(kinds)) if not self.full else "step"
            if kind == "open_choice":
                self.open_choice(preds, depth)
                i += 1
                continue
            if kind == "choice":
                start, last = self.choice(preds, depth)
            elif kind == "rework":
                start, last = self.rework_block(preds, depth)
            else:
                start = last = self.new_step(preds)
            first = first or start
            visible.append(last)
            i += 1
        if not top:
            ends = [v for v in visible if v not in self.has_successor]
            # close parallel ends with a join: all, so the sequence has one exit
            last = self.new_step([self.edge(v) for v in ends[::-1]]) if len(ends) > 1 else ends[0]
        return first, last

    def choice(self, preds: list[str | dict[str, Any]], depth: int) -> tuple[str, str]:
        draw = self.draw
        split = self.new_step(preds)
        probs = draw(st.permutations(draw(st.sampled_from(PROBABILITY_SETS))))
        empty = draw(st.none() | st.integers(0, len(probs) - 1))
        join_after: list[str | dict[str, Any]] = []
        for b, p in enumerate(probs):
            if b == empty:
                join_after.append(self.edge(split, p))
            else:
                _, end = self.sequence([self.edge(split, p)], depth + 1)
                join_after.append(self.edge(end))
        join = self.new_step(join_after, join="any")
        return split, join

    def open_choice(self, preds: list[str | dict[str, Any]], depth: int) -> None:
        """A choice whose branches are never merged: each ends the process (top level only)."""
        draw = self.draw
        split = self.new_step(preds)
        for p in draw(st.permutations(draw(st.sampled_from(PROBABILITY_SETS)))):
            self.sequence([self.edge(split, p)], depth + 1)

    def rework_block(self, preds: list[str | dict[str, Any]], depth: int) -> tuple[str, str]:
        draw = self.draw
        first, end = self.sequence(preds, depth + 1)
        sender = end
        if "rework" in self.by_id[end] or draw(_sometimes(20)):
            sender = self.new_step([self.edge(end)])
        rework: dict[str, Any] = {"to": first, "p": draw(st.floats(0, 0.8, allow_nan=False))}
        if draw(_sometimes(50)):
            rework["mode"] = draw(st.sampled_from(["repeat", "once"]))
        if draw(_sometimes(30)):
            rework["delay"] = draw(durations(3.0))
        self.by_id[sender]["rework"] = rework
        return first, sender


#: The hierarchy the presets name (``delayering_2019`` removes echelon III and IV).
DOMAIN_LEVELS = ("head", "echelon_3", "echelon_4", "staff")


@st.composite
def _levels_and_roles(
    draw: st.DrawFn, max_levels: int, max_roles: int, prefix: str, domain_levels: bool = False
) -> tuple[list[Any], list[dict[str, Any]]]:
    if domain_levels:
        level_ids = [f"{prefix}{lv}" for lv in DOMAIN_LEVELS]
        n_levels = len(level_ids)
    else:
        n_levels = draw(st.integers(1, max_levels))
        level_ids = [f"{prefix}L{i}" for i in range(n_levels)]
    levels: list[Any] = []
    for lid in level_ids:
        if draw(_sometimes(25)):
            level: dict[str, Any] = {"id": lid}
            if draw(st.booleans()):
                level["name"] = draw(texts(max_size=20))
            if draw(st.booleans()):
                level["locked"] = True
            levels.append(level)
        else:
            levels.append(lid)
    n_roles = draw(st.integers(1, max_roles))
    ranks = sorted(draw(st.lists(st.integers(0, n_levels - 1), min_size=n_roles,
                                 max_size=n_roles)))
    roles: list[dict[str, Any]] = []
    for j, rank in enumerate(ranks):
        role: dict[str, Any] = {"id": f"{prefix}R{j}", "level": level_ids[rank]}
        superiors = [roles[k]["id"] for k in range(j) if ranks[k] < rank]
        if superiors and draw(_sometimes(70)):
            role["reports_to"] = draw(st.sampled_from(superiors[::-1]))
        if draw(_sometimes(20)):
            role["name"] = draw(texts(max_size=20))
        if draw(_sometimes(15)):
            role["locked"] = True
        if draw(_sometimes(25)):
            role["rate"] = draw(magnitudes(100.0))
        roles.append(role)
    return levels, roles


@st.composite
def process_dicts(
    draw: st.DrawFn,
    *,
    choices: bool = False,
    rework: bool = False,
    needs: bool = False,
    open_choices: bool = False,
    min_steps: int = 1,
    max_steps: int = 10,
    max_levels: int = 4,
    max_roles: int = 6,
    max_depth: int = 2,
    text_ids: bool = False,
    shuffle: bool = False,
    domain_levels: bool = False,
) -> dict[str, Any]:
    """A valid process description as raw data (what a YAML/JSON file holds).

    Parameters
    ----------
    choices, rework, needs
        Add exclusive choice blocks, rework blocks, and ``needs``/``produces``.
    open_choices
        Add top-level choices that are never merged: their branches end the process in
        different final steps (not block-structured).
    min_steps, max_steps
        Bounds on the number of steps (blocks may overshoot ``max_steps`` a little:
        a choice block closes its branches).
    max_depth
        How deep blocks nest.
    text_ids
        Ids start with random text (any UTF-8 character) instead of letters.
    shuffle
        List the steps in a random order instead of topological order.
    domain_levels
        The levels are :data:`DOMAIN_LEVELS` (head, echelon_3, echelon_4, staff), the ones
        the presets name, instead of ``L0``, ``L1``, ...
    """
    prefix = draw(texts(min_size=1, max_size=4)) if text_ids else ""
    levels, roles = draw(_levels_and_roles(max_levels, max_roles, prefix, domain_levels))
    builder = _Builder(
        draw=draw, role_ids=tuple(r["id"] for r in roles), step_prefix=f"{prefix}s",
        choices=choices, rework=rework, needs=needs, open_choices=open_choices,
        max_steps=max_steps, max_depth=max_depth,
    )
    builder.sequence(None, 0, min_steps=min_steps)
    steps = builder.steps
    if shuffle:
        steps = list(draw(st.permutations(steps)))
    data: dict[str, Any] = {}
    if draw(_sometimes(80)):
        data["name"] = draw(texts(max_size=30))
    if draw(_sometimes(20)):
        data["description"] = draw(texts(max_size=60))
    if draw(_sometimes(50)):
        data["time_unit"] = draw(st.sampled_from(TIME_UNITS))
    if draw(_sometimes(50)):
        data["handoff_delay"] = draw(durations(3.0))
    data["levels"] = levels
    data["roles"] = roles
    data["steps"] = steps
    return data


def processes(**flags: Any) -> st.SearchStrategy[ps.Process]:
    """Valid :class:`procsimp.Process` objects; the flags are those of :func:`process_dicts`."""
    return process_dicts(**flags).map(ps.Process.model_validate)


def pass_processes(max_steps: int = 12) -> st.SearchStrategy[ps.Process]:
    """Processes shaped for the pass invariants (issue 19).

    Choices, rework and needs together, so steps that declare ``needs`` sit beside
    steps that do not (their edges are all required) and locked steps fall inside
    rework blocks; edges are sometimes hard, with their own delay. Often one to
    three roles, so that chains of one post (what ``merge_sequential`` merges) come
    before consumers that ``parallelize`` rewires; levels named like the presets'
    (``delayer`` refuses levels a process lacks), sometimes the plain ``L0 ..``.
    """
    return st.one_of(
        processes(choices=True, rework=True, needs=True, max_steps=max_steps, max_roles=2,
                  domain_levels=True),
        processes(choices=True, rework=True, needs=True, max_steps=max_steps, max_roles=3,
                  domain_levels=True),
        processes(choices=True, rework=True, needs=True, max_steps=max_steps),
    )


def nested_rework_dict(depth: int, p: float = 0.5, chain: int = 3) -> dict[str, Any]:
    """A deep process built by hand: rework blocks nested ``depth`` deep, each holding a
    choice inside a parallel branch beside the next block, after a chain of ``chain`` steps.

    Block ``d`` runs ``e{d}``, then in parallel {``a{d}`` or ``b{d}`` (p .5 each, merged
    by ``j{d}``)} and {block ``d-1``}, joined by ``k{d}``, which sends the file back to
    ``e{d}`` with probability ``p``. Every duration is fixed: ``e`` 1, ``a`` 2, ``b`` 0,
    ``j`` and ``k`` 0, chain steps 1.
    """
    steps: list[dict[str, Any]] = []
    prev: str | None = None
    for i in range(chain):
        steps.append({"id": f"c{i}", "role": "R0", "duration": 1.0,
                      **({"after": [prev]} if prev else {})})
        prev = f"c{i}"

    def block(d: int, pred: str | None) -> str:
        e = f"e{d}"
        steps.append({"id": e, "role": "R0", "duration": 1.0,
                      **({"after": [pred]} if pred else {})})
        steps.append({"id": f"a{d}", "role": "R1", "duration": 2.0,
                      "after": [{"step": e, "p": 0.5}]})
        steps.append({"id": f"b{d}", "role": "R1", "duration": 0.0,
                      "after": [{"step": e, "p": 0.5}]})
        steps.append({"id": f"j{d}", "role": "R1", "join": "any", "after": [f"a{d}", f"b{d}"]})
        ends = [f"j{d}"]
        if d > 1:
            ends.append(block(d - 1, e))
        steps.append({"id": f"k{d}", "role": "R0", "after": ends,
                      "rework": {"to": e, "p": p, "delay": 0.0}})
        return f"k{d}"

    block(depth, prev)
    return {"name": f"nested rework x{depth}", "levels": ["staff"],
            "roles": [{"id": "R0", "level": "staff"}, {"id": "R1", "level": "staff"}],
            "steps": steps}


def deep_processes(max_steps: int = 40) -> st.SearchStrategy[ps.Process]:
    """Deep generated processes (issue 19, case 3): rework nested up to five deep, choices
    inside parallel branches, long chains, few roles."""
    return processes(choices=True, rework=True, needs=True, max_steps=max_steps, max_depth=5,
                     max_roles=3)


# --- bad input ------------------------------------------------------------------------------


@functools.cache
def garbage(max_leaves: int = 30) -> st.SearchStrategy[Any]:
    """Random nested data: dicts (often with schema keys), lists, text, numbers, None, bools."""
    leaves = st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(), texts(max_size=20),
        st.sampled_from(SCHEMA_KEYS + STEP_KINDS + ("triangular", "lognormal", "any")),
    )
    keys = st.sampled_from(SCHEMA_KEYS) | texts(max_size=10)
    return st.recursive(
        leaves,
        lambda children: st.lists(children, max_size=5)
        | st.dictionaries(keys, children, max_size=6),
        max_leaves=max_leaves,
    )


class BadInput(NamedTuple):
    """An invalid process description and what its error message must mention."""

    data: dict[str, Any]
    kind: str
    needles: tuple[str, ...]


def _ids(data: dict[str, Any]) -> list[str]:
    return [s["id"] for s in data["steps"]]


def _edges(data: dict[str, Any]) -> Iterator[tuple[int, int, str, Any]]:
    """(step index, position in after, predecessor id, the entry) of every edge."""
    for i, step in enumerate(data["steps"]):
        for k, e in enumerate(step.get("after", [])):
            yield i, k, (e if isinstance(e, str) else e["step"]), e


@st.composite
def invalid_process_dicts(draw: st.DrawFn, **flags: Any) -> BadInput:
    """A valid process dict with one mutation that certainly makes it invalid.

    ``needles`` are substrings (ids as the messages quote them, field names) that the
    error message must contain. Flags are those of :func:`process_dicts`.
    """
    data = copy.deepcopy(draw(process_dicts(**flags)))
    steps = data["steps"]
    edges = list(_edges(data))
    kinds = ["missing_key", "wrong_type", "unknown_reference", "negative_duration",
             "probability_range", "duplicate_id", "extra_key", "cycle"]
    if edges:
        kinds.append("probability_sum")
    kind = draw(st.sampled_from(kinds))
    i = draw(st.integers(0, len(steps) - 1))
    step = steps[i]
    sid = step["id"]
    needles: tuple[str, ...]
    if kind == "missing_key":
        what = draw(st.sampled_from(["step_role", "role_level"]))
        if what == "step_role":
            del step["role"]
            needles = (repr(sid), "role")
        else:
            role = draw(st.sampled_from(data["roles"]))
            del role["level"]
            needles = (repr(role["id"]), "level")
    elif kind == "wrong_type":
        key, value = draw(st.sampled_from([
            ("duration", "soon"), ("duration", [1, 2]), ("after", 7), ("kind", "memo"),
            ("kind", 12), ("join", "maybe"), ("needs", 3), ("cost", "cheap"), ("locked", []),
            ("name", 5), ("rework", "often"),
        ]))
        step[key] = value
        needles = (repr(sid), key)
    elif kind == "unknown_reference":
        what = draw(st.sampled_from(["role", "after", "rework", "level", "reports_to"]))
        if what == "role":
            step["role"] = UNKNOWN_ID
        elif what == "after":
            step["after"] = [*step.get("after", []), UNKNOWN_ID]
        elif what == "rework":
            step["rework"] = {"to": UNKNOWN_ID, "p": 0.5}
        else:
            role = draw(st.sampled_from(data["roles"]))
            role[what if what == "reports_to" else "level"] = UNKNOWN_ID
            sid = role["id"]
        needles = (repr(sid), repr(UNKNOWN_ID))
    elif kind == "negative_duration":
        where = draw(st.sampled_from(["duration", "work", "triangular", "handoff_delay"]))
        if where == "handoff_delay":
            data["handoff_delay"] = -1.0
            needles = ("handoff_delay",)
        elif where == "triangular":
            step["duration"] = {"dist": "triangular", "low": -1.0, "mode": 1.0, "high": 2.0}
            needles = (repr(sid), "duration")
        else:
            step[where] = -draw(st.floats(0.001, 10))
            needles = (repr(sid), where)
    elif kind == "probability_range":
        if edges:
            j, k, _, e = draw(st.sampled_from(edges))
            entry = {"step": e} if isinstance(e, str) else dict(e)
            entry["p"] = draw(st.sampled_from([1.5, -0.25, 2.0]))
            steps[j]["after"][k] = entry
            sid = steps[j]["id"]
        else:
            step["rework"] = {"to": sid, "p": 1.5}
        needles = (repr(sid), "p")
    elif kind == "duplicate_id":
        steps.append(copy.deepcopy(step))
        needles = (repr(sid), "twice")
    elif kind == "extra_key":
        step["colour"] = "red"
        needles = (repr(sid), "colour")
    elif kind == "cycle":
        with_preds = [(j, s) for j, s in enumerate(steps) if s.get("after")]
        if with_preds:
            j, s = draw(st.sampled_from(with_preds))
            first = s["after"][0]
            u = first if isinstance(first, str) else first["step"]
            target = next(t for t in steps if t["id"] == u)
            target["after"] = [*target.get("after", []), s["id"]]
            needles = (u, s["id"], "cycle")
        else:
            step["after"] = [sid]
            needles = (repr(sid), "itself")
    else:  # probability_sum
        with_p = [x for x in edges if isinstance(x[3], dict) and "p" in x[3]]
        if with_p:
            j, k, u, e = draw(st.sampled_from(with_p))
            steps[j]["after"][k] = {**e, "p": e["p"] / 2}
        else:
            j, k, u, e = draw(st.sampled_from(edges))
            entry = {"step": e} if isinstance(e, str) else dict(e)
            steps[j]["after"][k] = {**entry, "p": 0.5}
        needles = (repr(u), "sum")
    return BadInput(data, kind, needles)


def _paths(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*path, index))


@st.composite
def mutated_process_dicts(draw: st.DrawFn, **flags: Any) -> Any:
    """A valid process dict with one random part replaced by garbage, deleted or added.

    The result may still be valid; it is for fuzzing (only ProcsimpError may come out).
    """
    data = copy.deepcopy(draw(process_dicts(**flags)))
    path = draw(st.sampled_from(list(_paths(data))))
    if not path:
        return draw(garbage())
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    action = draw(st.sampled_from(["replace", "delete", "add"]))
    if action == "replace":
        parent[path[-1]] = draw(garbage(max_leaves=10))
    elif action == "delete":
        del parent[path[-1]]
    elif isinstance(parent, dict):
        parent[draw(st.sampled_from(SCHEMA_KEYS) | texts(max_size=8))] = draw(garbage(10))
    else:
        parent.insert(path[-1], draw(garbage(max_leaves=10)))
    return data


@st.composite
def tangled_process_dicts(draw: st.DrawFn, max_steps: int = 10) -> dict[str, Any]:
    """Random structure, often invalid: any DAG or cycle, branch probabilities on any edge,
    any join, rework to any step, needs of any artifact. Only the field values are valid.

    For fuzzing the whole-process checks (only ProcsimpError may come out of ``load``).
    """
    n = draw(st.integers(1, max_steps))
    ids = [f"s{i}" for i in range(n)]
    steps: list[dict[str, Any]] = []
    for i, sid in enumerate(ids):
        pool = ids[:i] if not draw(_sometimes(10)) else ids  # sometimes a cycle
        step: dict[str, Any] = {"id": sid, "role": "R0", "duration": 1.0}
        if pool:
            back = draw(st.lists(st.sampled_from(tuple(pool[::-1])), max_size=3, unique=True))
            after: list[Any] = []
            for u in back:
                p = draw(st.sampled_from((None, None, None, 0.0, 0.25, 0.5, 0.75, 1.0)))
                after.append(u if p is None else {"step": u, "p": p})
            if after:
                step["after"] = after
        if draw(_sometimes(30)):
            step["join"] = "any"
        if draw(_sometimes(20)):
            step["rework"] = {"to": draw(st.sampled_from(tuple(ids))),
                              "p": draw(st.sampled_from((0.0, 0.5, 0.9)))}
        if draw(_sometimes(15)):
            step["needs"] = [draw(st.sampled_from(("a", "b")))]
        if draw(_sometimes(15)):
            step["produces"] = [draw(st.sampled_from(("a", "b")))]
        steps.append(step)
    return {"levels": ["L0"], "roles": [{"id": "R0", "level": "L0"}], "steps": steps}


# --- simplification passes -------------------------------------------------------------------

from tests.strategies.passes import pass_options as pass_options  # noqa: E402 - one place
from tests.strategies.passes import pipelines as pipelines  # noqa: E402
