"""The floor under validation and loading: plain pydantic models of procsimp's shape.

``PlainProcess`` has the fields, types and bounds of ``ps.Process`` for everything
``generate.layered_data`` writes (levels, roles, steps with their durations of every
family, edges with their own delay or probability) and nothing else: no validator of
procsimp's, no shared objects, no whole-process check (references, cycles, blocks,
artifacts). What it costs is what pydantic itself costs to build frozen models of that
shape, the part no change inside procsimp can remove while ``Process`` stays a pydantic
model (DESIGN.md: ``ps.Process.model_validate`` raises pydantic's ``ValidationError``).

The benchmarks print it next to ``ps.Process.model_validate`` and ``ps.load``, so that
what procsimp adds above pydantic is measured in the same run.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

_FROZEN = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

NonNegative = Annotated[float, Field(ge=0, le=1e9, allow_inf_nan=False)]
Id = Annotated[str, Field(min_length=1, max_length=200)]


class Triangular(BaseModel):
    model_config = _FROZEN
    dist: Literal["triangular"]
    low: NonNegative
    mode: NonNegative
    high: NonNegative


class Pert(BaseModel):
    model_config = _FROZEN
    dist: Literal["pert"]
    low: NonNegative
    mode: NonNegative
    high: NonNegative


class Uniform(BaseModel):
    model_config = _FROZEN
    dist: Literal["uniform"]
    low: NonNegative
    high: NonNegative


class Lognormal(BaseModel):
    model_config = _FROZEN
    dist: Literal["lognormal"]
    median: NonNegative
    p90: NonNegative


class Empirical(BaseModel):
    model_config = _FROZEN
    dist: Literal["empirical"]
    values: tuple[NonNegative, ...]


Distribution = Annotated[Triangular | Pert | Uniform | Lognormal | Empirical,
                         Field(discriminator="dist")]
Duration = NonNegative | Distribution


class Predecessor(BaseModel):
    model_config = _FROZEN
    step: Id
    p: Annotated[float, Field(ge=0, le=1)] | None = None
    delay: Duration | None = None
    hard: bool = False


class Role(BaseModel):
    model_config = _FROZEN
    id: Id
    level: Id
    reports_to: Id | None = None
    rate: NonNegative = 0.0


class Step(BaseModel):
    model_config = _FROZEN
    id: Id
    name: str | None = None
    role: Id
    kind: Literal["task", "review", "approval", "signature", "handoff"] = "task"
    duration: Duration = 0.0
    work: Duration | None = None
    cost: NonNegative = 0.0
    after: tuple[Id | Predecessor, ...] = ()
    join: Literal["all", "any"] = "all"
    needs: tuple[Id, ...] = ()
    produces: tuple[Id, ...] = ()
    locked: bool = False
    applicant_facing: bool = False
    digitizable: bool = False


class PlainProcess(BaseModel):
    model_config = _FROZEN
    name: str
    description: str = ""
    time_unit: Literal["hour", "day", "week"] = "day"
    handoff_delay: Duration = 0.0
    levels: tuple[Id, ...]
    roles: tuple[Role, ...]
    steps: tuple[Step, ...]


__all__ = ["PlainProcess"]
