"""The process model: frozen pydantic models for levels, roles, steps and processes.

A :class:`Process` is immutable: edit it with ``model_copy(update=...)`` or by
building a new one. Validation finds every problem of a description in one go
(unknown references, duplicate ids, cycles that are not declared rework,
probabilities that do not sum to 1, joins that cannot fire, unreachable
steps) and reports each with its location and the id of the step it concerns.

>>> import procsimp as ps
>>> p = ps.Process.model_validate({
...     "name": "tiny", "levels": ["staff"], "roles": [{"id": "clerk", "level": "staff"}],
...     "steps": [{"id": "a", "role": "clerk", "duration": 2},
...               {"id": "b", "role": "clerk", "duration": 3, "after": ["a"]}]})
>>> p.step("b").after[0].step
'a'
>>> p.graph.number_of_edges()
1
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetPydanticSchema,
    PrivateAttr,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    model_serializer,
    model_validator,
)
from pydantic_core import core_schema

from procsimp._checks import validated
from procsimp._hooks import HOOKS
from procsimp._shared import replaced, share_fields_set
from procsimp.calendar import Calendar
from procsimp.deadlines import Deadline
from procsimp.durations import Duration, mean_of

if TYPE_CHECKING:
    import networkx as nx
    import pandas as pd

    from procsimp.analysis import Analysis

StepKind = Literal["task", "review", "approval", "signature", "handoff"]
#: Step kinds whose steps give an approval (count towards ``approval_layers``).
APPROVAL_KINDS: frozenset[str] = frozenset({"approval", "signature"})

#: A text field that also accepts null (the step's ``name``: null is the default), checked
#: by pydantic itself rather than by a validator called for every step.
_NULLABLE = GetPydanticSchema(lambda tp, handler: core_schema.nullable_schema(handler(tp)))

#: Longest id (step, role, level, artifact) a file may use.
MAX_ID_LENGTH = 200
Id = Annotated[str, Field(min_length=1, max_length=MAX_ID_LENGTH)]
Probability = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
#: Costs and rates up to 10^15 (any currency); the bound keeps expected costs finite.
Money = Annotated[float, Field(ge=0, le=1e15, allow_inf_nan=False)]


def _or_string(schema: dict[str, Any]) -> None:
    """JSON Schema: the model may also be written as a plain string (its id)."""
    obj = dict(schema)
    schema.clear()
    schema["anyOf"] = [{"type": "string", "minLength": 1}, obj]
    for key in ("title", "description"):
        if key in obj:
            schema[key] = obj[key]


class Model(BaseModel):
    """Base of every procsimp model: frozen, no unknown fields, no inf/nan."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", allow_inf_nan=False, use_attribute_docstrings=True
    )


class Level(Model):
    """A hierarchy level (an echelon). Written as a plain string unless locked."""

    model_config = ConfigDict(json_schema_extra=_or_string)

    id: Id
    """Level id, e.g. ``echelon_3``."""
    name: str | None = None
    """Display name, e.g. ``Eselon III``."""
    locked: bool = False
    """Posts at this level are exempt from delayering (e.g. legalisation authority)."""

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, data: Any) -> Any:
        return {"id": data} if isinstance(data, str) else data

    @model_serializer(mode="wrap")
    def _as_string(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> Any:
        if self.name is None and not self.locked:
            return self.id
        return handler(self)


class Role(Model):
    """A post that performs steps, at one hierarchy level."""

    id: Id
    """Role id, e.g. ``section_head``."""
    level: Id
    """The level this role sits at (one of the process's ``levels``)."""
    name: str | None = None
    """Display name, e.g. ``Kepala Seksi``."""
    reports_to: Id | None = None
    """The role this one reports to."""
    locked: bool = False
    """This post is exempt from simplification (no pass removes or reassigns its steps)."""
    rate: Money = 0.0
    """Cost per time unit of work done by this role."""
    organisation: Id | None = None
    """The organisation this post belongs to when it is not the one running the process
    (e.g. the village office issuing a domicile letter). A reform of this office leaves it
    alone: ``single_window`` does not move its steps to the window, ``delayer`` keeps the
    post and its signatures, ``digitize`` keeps its steps and the transfers to and from it
    (unless its ``roles`` option names the post)."""

    staff: Annotated[int, Field(ge=1, le=1_000_000)] = 1
    """People sharing this post's work (a pool served first come, first served); used
    when the process declares ``arrivals`` (see :mod:`procsimp.capacity`)."""
    availability: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)] = 1.0
    """Share of each person's working time given to this process (0 < a <= 1): a person
    giving share ``a`` serves at rate ``a``, so a step's service time is ``work / a``."""

    calendar: Calendar | None = None
    """This post's own working calendar (e.g. a village office open on Saturdays, a
    ministry in another province): its steps' durations are working time on it; other
    steps use the process's ``calendar``. Needs start dates to place the calendars on
    the dates (``simulate(..., start=...)``); see :mod:`procsimp.calendar`."""

    @property
    def external(self) -> bool:
        """The post belongs to another organisation (``organisation`` is set)."""
        return self.organisation is not None


class Predecessor(Model):
    """An incoming precedence edge. Written as a plain step id when it has no options."""

    model_config = ConfigDict(json_schema_extra=_or_string)

    step: Id
    """The predecessor step's id."""
    p: Probability | None = None
    """Branch probability: edges with ``p`` leave their predecessor as exclusive alternatives."""
    delay: Duration | None = None
    """Transfer delay on this edge, overriding the process's ``handoff_delay``."""
    hard: bool = False
    """A required dependency that ``parallelize`` keeps even without ``needs``."""

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, data: Any) -> Any:
        return {"step": data} if isinstance(data, str) else data

    @model_serializer(mode="wrap")
    def _as_string(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> Any:
        if self.p is None and self.delay is None and not self.hard:
            return self.step
        return handler(self)


ArrivalPeriod = Literal["minute", "hour", "day", "week", "month", "year"]


#: While a whole process is validated: the predecessors written as a plain id, one shared
#: (frozen) model per id. A step with five successors is then one model, not five: fewer
#: objects for the garbage collector to scan on a large file.
_SHARED_EDGES: ContextVar[dict[str, Predecessor] | None] = ContextVar("_SHARED_EDGES",
                                                                      default=None)


def _shared_edge(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    if type(value) is str:
        shared = _SHARED_EDGES.get()
        if shared is not None:
            edge = shared.get(value)
            if edge is None:
                edge = shared[value] = _plain_edge(value) \
                    if 0 < len(value) <= MAX_ID_LENGTH else handler(value)
            return edge
    return handler(value)


#: A validated plain predecessor: the others are copies of it with another ``step``
#: (``Predecessor.model_validate(step_id)`` for an id of valid length, without pydantic's
#: per-model calls: a 100,000-step file has about 85,000 of them).
_PLAIN_EDGE = Predecessor.model_validate("template")
share_fields_set(_PLAIN_EDGE)


def _plain_edge(step_id: str) -> Predecessor:
    """``Predecessor.model_validate(step_id)`` for an id of valid length."""
    edge: Predecessor = replaced(_PLAIN_EDGE, step=step_id)
    return edge


#: An ``after`` item: a predecessor, plain ids shared within a process (see above).
Edge = Annotated[Predecessor, WrapValidator(_shared_edge)]


class Arrivals(Model):
    """How cases arrive: ``{rate: R, per: PERIOD}`` (a Poisson stream) or
    ``{interarrival: DURATION}`` (independent gaps between arrivals, in the time unit).

    >>> Arrivals(rate=120, per="month").rate
    120.0
    >>> Arrivals.model_validate({"interarrival": {"dist": "exponential", "mean": 4}}).mean_gap
    4.0
    """

    rate: Annotated[float, Field(gt=0, le=1e12, allow_inf_nan=False)] | None = None
    """Cases arriving per ``per`` (with a calendar: per working period, see
    :mod:`procsimp.capacity`); arrivals are then a Poisson stream."""
    per: ArrivalPeriod | None = None
    """The period of ``rate``: ``minute | hour | day | week | month | year``."""
    interarrival: Duration | None = None
    """The time between two arrivals, in the process's time unit (instead of a rate)."""

    @model_validator(mode="after")
    def _one_form(self) -> Arrivals:
        by_rate = self.rate is not None or self.per is not None
        if by_rate == (self.interarrival is not None):
            raise ValueError("arrivals is either {rate: R, per: PERIOD} or "
                             "{interarrival: DURATION}, not both and not neither")
        if by_rate and (self.rate is None or self.per is None):
            raise ValueError("arrivals needs both rate and per (e.g. {rate: 120, per: month})")
        if self.interarrival is not None and not mean_of(self.interarrival) > 0:
            raise ValueError("arrivals.interarrival needs a mean above 0 (cases cannot "
                             "arrive all at once)")
        return self

    @property
    def mean_gap(self) -> float | None:
        """Mean time between arrivals, for ``interarrival`` (``None`` for a rate)."""
        return None if self.interarrival is None else mean_of(self.interarrival)


class Rework(Model):
    """A send-back: after the step, with probability ``p`` the case returns to ``to``."""

    to: Id
    """The step the file is sent back to; the block ``to .. this step`` runs again."""
    p: Probability
    """Probability of sending the file back after each pass."""
    delay: Duration | None = None
    """Transport on the way back (the file travelling to ``to``), which ``digitize`` may cut;
    default: the handoff delay between the two roles."""
    revision: Duration = 0.0
    """Time the file then spends with the applicant or drafter being corrected, before the
    block runs again; no pass removes it."""
    mode: Literal["repeat", "once"] = "repeat"
    """``repeat``: until accepted, T/(1-p); ``once``: at most one send-back, (1+p)T."""

    @model_validator(mode="after")
    def _not_certain(self) -> Rework:
        if self.mode == "repeat" and self.p >= 1:
            raise ValueError(
                "rework with mode repeat needs p < 1, or the file never leaves the loop"
            )
        return self


class Step(Model):
    """One step of a process: a task, review, approval, signature or handoff."""

    id: Id
    """Unique step id."""
    name: Annotated[str, _NULLABLE] = ""
    """Display name; defaults to the id."""
    role: Id
    """The role performing the step."""
    kind: StepKind = "task"
    """``task | review | approval | signature | handoff``."""
    duration: Duration = 0.0
    """Elapsed time of the step, inbox waiting included, in the process's time unit."""
    work: Duration | None = None
    """Touch time inside the step; default: the whole duration. In a process with
    ``arrivals``, a step with ``work`` queues for its role's staff (see
    :mod:`procsimp.capacity`); ``duration`` stays the estimate without workload."""
    cost: Money = 0.0
    """Cost per execution of the step (on top of the role's rate x work)."""
    after: tuple[Edge, ...] = ()
    """Predecessors: the step starts when all (``join: all``) or one (``join: any``) finish."""
    join: Literal["all", "any"] = "all"
    """``all`` waits for every predecessor; ``any`` merges exclusive alternatives."""
    needs: tuple[Id, ...] = ()
    """Artifacts the step really needs (drives ``parallelize``)."""
    produces: tuple[Id, ...] = ()
    """Artifacts the step produces."""
    rework: Rework | None = None
    """Send-back after this step."""
    locked: bool = False
    """A legal requirement: no pass removes, merges or reassigns this step."""
    applicant_facing: bool = False
    """The applicant deals with this step in person (used by ``single_window``)."""
    digitizable: bool = False
    """The step can be done electronically (used by ``digitize``)."""

    @model_validator(mode="after")
    def _default_name(self) -> Step:
        # an empty, null or missing name is the id, set in place on the new, not yet shared
        # model (a copy of the step's mapping per step cost a 100,000-step file 0.4 s)
        if not self.name:
            object.__setattr__(self, "name", self.id)
        share_fields_set(self)
        return self

    @model_serializer(mode="wrap")
    def _drop_default_name(
        self, handler: SerializerFunctionWrapHandler, info: SerializationInfo
    ) -> Any:
        data = handler(self)
        if isinstance(data, dict) and data.get("name") == self.id:
            data.pop("name")
        return data

    @property
    def predecessors(self) -> tuple[str, ...]:
        """Ids of the steps this one comes after."""
        return tuple(edge.step for edge in self.after)


class Process(Model):
    """An approval chain: hierarchy levels, roles and steps with their precedence.

    Validate a mapping with ``Process.model_validate(data)`` or read a file with
    :func:`procsimp.load`. Equality compares content only (not the file a
    process was read from).
    """

    name: str = "process"
    """Name of the process or service."""
    description: str = ""
    """Free text: the service, the legal basis, the source of the figures."""
    time_unit: Literal["minute", "hour", "day", "week"] = "day"
    """Unit of every duration in the file (with a calendar: working time on it)."""
    handoff_delay: Duration = 0.0
    """Transfer delay on every edge between two different roles."""
    cases_per_year: Annotated[float, Field(ge=0, le=1e12, allow_inf_nan=False)] | None = None
    """Cases the service handles per year (its volume); :func:`procsimp.portfolio` weights
    its totals by it. Unknown by default."""
    levels: tuple[Level, ...] = ()
    """Hierarchy levels, highest rank first."""
    roles: tuple[Role, ...] = ()
    """Roles (posts) performing the steps."""
    steps: tuple[Step, ...] = ()
    """The steps, in any order."""
    calendar: Calendar | None = None
    """The working calendar; durations are then working time on it. Without one, time
    runs continuously (see :mod:`procsimp.calendar`)."""
    deadlines: tuple[Deadline, ...] = ()
    """Legal time limits and what a miss entails (see :mod:`procsimp.deadlines`)."""
    arrivals: Arrivals | None = None
    """How cases arrive (the workload): ``{rate: R, per: PERIOD}`` or
    ``{interarrival: DURATION}``. Without it, durations keep their meaning (inbox waiting
    included) and no figure changes."""

    @property
    def role_calendars(self) -> bool:
        """Some role keeps a working calendar of its own (``Role.calendar``)."""
        return any(r.calendar is not None for r in self.roles)

    _source: Path | None = PrivateAttr(default=None)
    _derived: dict[str, Any] = PrivateAttr(default_factory=dict)
    """Views derived from the data (the analysis, lookups by id); never part of equality."""

    @model_validator(mode="wrap")
    @classmethod
    def _validate_whole(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Process:
        from procsimp.validation import check_process

        token = _SHARED_EDGES.set({})
        try:
            return check_process(cls, data, handler)
        finally:
            _SHARED_EDGES.reset(token)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Process):
            return NotImplemented
        return all(getattr(self, f) == getattr(other, f) for f in type(self).model_fields)

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, f) for f in type(self).model_fields))

    @validated
    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Process:
        """A copy with ``update`` applied (not validated again); its analysis is built anew."""
        copied = super().model_copy(update=update, deep=deep)
        copied._derived = {}
        return copied

    @property
    def source(self) -> Path | None:
        """The file this process was loaded from, if any (not part of equality)."""
        return self._source

    def _lookup(self, key: str, build: Any) -> Any:
        """A view derived from the data (a pure function of it), built once."""
        try:
            return self._derived[key]
        except KeyError:
            value = self._derived[key] = build()
            return value

    @property
    def _steps_by_id(self) -> dict[str, Step]:
        return self._lookup("steps", lambda: {s.id: s for s in self.steps})

    @property
    def _roles_by_id(self) -> dict[str, Role]:
        return self._lookup("roles", lambda: {r.id: r for r in self.roles})

    @property
    def _levels_by_id(self) -> dict[str, Level]:
        return self._lookup("levels", lambda: {lv.id: lv for lv in self.levels})

    def step(self, step_id: str) -> Step:
        """The step with this id (:class:`~procsimp.ModelError` if there is none)."""
        try:
            return self._steps_by_id[step_id]
        except (KeyError, TypeError):  # TypeError: an unhashable id
            from procsimp.errors import ModelError

            raise ModelError(
                f"process {self.name!r} has no step {step_id!r} (step_id); "
                f"its steps are: {', '.join(self._steps_by_id) or '(none)'}"
            ) from None

    def role(self, role_id: str) -> Role:
        """The role with this id (:class:`~procsimp.ModelError` if there is none)."""
        try:
            return self._roles_by_id[role_id]
        except (KeyError, TypeError):  # TypeError: an unhashable id
            from procsimp.errors import ModelError

            raise ModelError(
                f"process {self.name!r} has no role {role_id!r} (role_id); "
                f"its roles are: {', '.join(self._roles_by_id) or '(none)'}"
            ) from None

    def level_of(self, step: Step | str) -> Level:
        """The hierarchy level of the role performing ``step``."""
        if isinstance(step, str):
            s = self.step(step)
        elif isinstance(step, Step):
            s = step
        else:
            from procsimp.errors import OptionError

            raise OptionError(f"Process.level_of: step must be a Step or a step id, got "
                              f"{type(step).__name__} {step!r:.60}")
        return self._levels_by_id[self.role(s.role).level]

    @validated
    def rank(self, level_id: str) -> int:
        """Position of a level in the hierarchy: 0 is the highest rank."""
        ids = [lv.id for lv in self.levels]
        if level_id not in ids:
            from procsimp.errors import OptionError

            raise OptionError(f"Process.rank: level_id must be one of the process's levels "
                              f"{ids}, got {level_id!r}")
        return ids.index(level_id)

    @property
    def analysis(self) -> Analysis:
        """The structure of the process, computed once (see :class:`procsimp.analysis.Analysis`).

        Built when the process is validated; a process made without validation
        (``model_construct``, ``model_copy(update=...)``) gets it on first use.
        """
        from procsimp.analysis import analyse

        return self._lookup("analysis", lambda: analyse(self))  # type: ignore[no-any-return]

    @property
    def graph(self) -> nx.DiGraph:
        """A frozen networkx view: nodes are step ids, edges precedence.

        Node attribute ``step`` holds the :class:`Step`; edge attributes hold
        ``p`` (branch probability or ``None``), ``delay`` (mean transfer delay)
        and ``edge`` (the :class:`Predecessor`). Rework send-backs are not edges
        here: ``graph`` stays acyclic. Mutating it raises ``NetworkXError``; use
        ``nx.DiGraph(proc.graph)`` for a mutable copy.
        """
        from procsimp.analysis import analysis_view

        return self._lookup("graph", lambda: analysis_view(self.analysis, self.name))

    def _repr_svg_(self) -> str:
        """The swimlane diagram as SVG, for Jupyter (drawn by :mod:`procsimp.plot`)."""
        return str(_hook("svg")(self))

    def to_frame(self) -> pd.DataFrame:
        """The steps as a pandas DataFrame, one row per step (see :mod:`procsimp.io.tables`).

        Raises :class:`~procsimp.MissingDependencyError` when pandas is not installed.
        """
        return _hook("frame")(self)

    def _repr_summary(self) -> str:
        return f"Process({self.name!r}, {len(self.steps)} steps, {len(self.roles)} roles)"

    def __repr__(self) -> str:
        return self._repr_summary()

    def __str__(self) -> str:
        return self._repr_summary()




def _hook(name: str) -> Callable[[Process], Any]:
    try:
        return HOOKS[name]
    except KeyError:
        from procsimp.errors import ProcsimpError

        raise ProcsimpError(f"the {name!r} conversion of a process is installed when the procsimp "
                            f"package is imported; import procsimp first") from None


def with_source(process: Process, source: str | Path | None) -> Process:
    """Attach the file a process came from (used by :func:`procsimp.load`)."""
    process._source = Path(source) if source is not None else None
    return process


__all__ = [
    "APPROVAL_KINDS",
    "ArrivalPeriod",
    "Arrivals",
    "Level",
    "Model",
    "Predecessor",
    "Process",
    "Rework",
    "Role",
    "Step",
    "StepKind",
    "ValidationError",
]
