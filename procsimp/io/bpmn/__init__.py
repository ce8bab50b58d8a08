"""BPMN 2.0 XML: import models from modelling tools, export processes for them.

Reading (:func:`read_bpmn`, ``ps.load("x.bpmn")``) maps BPMN onto procsimp:

- every task type (``task``, ``userTask``, ``serviceTask``, ... ``businessRuleTask``),
  ``callActivity`` and collapsed or expanded sub-processes become steps (a
  sub-process is one step; its inside is not imported and the warning says so);
- sequence flows become ``after`` edges; gateways are not steps: edges run
  through chains of gateways from task to task. A flow out of an exclusive
  (or event-based) gateway makes an alternative with probability ``p``; a
  step reached through a merging exclusive gateway, or by two flows at once
  (BPMN's uncontrolled merge), gets ``join: any``; parallel gateways give
  plain edges (inclusive and complex gateways are read as parallel, with a
  warning);
- a flow going back to an earlier element (a loop) becomes ``rework`` on the
  step before it, with the loop flow's probability;
- start and end events are dropped; intermediate events are passed through;
- lanes and pools become roles (see :func:`read_bpmn` for levels);
- branch probabilities come from procsimp's own extension, from the
  BIMP/QBP simulation extension (``qbp:processSimulationInfo``, as written by
  BIMP, Apromore and Simod), from the ``probabilities`` argument, else an
  equal split (with a warning); durations from procsimp's extension or QBP.

Anything not imported is listed in one :class:`BpmnImportWarning`.
``ps.load("x.bpmn", level_of=..., probabilities=...)`` passes the keywords of
:func:`read_bpmn` on.

Writing (:func:`dumps_bpmn`, ``ps.save(proc, "x.bpmn")``) produces an
executable process with a pool, lanes by level and role, and diagram
interchange (BPMNDI) so it opens laid out in bpmn.io or Camunda Modeler.
procsimp's own data rides in ``extensionElements`` (JSON in the
``urn:procsimp:bpmn:1`` namespace), so ``load(save(p)) == p``.

The package is split by concern: :mod:`~procsimp.io.bpmn.reading` (XML to
a process), :mod:`~procsimp.io.bpmn.simulation` (branch probabilities and
durations, QBP), :mod:`~procsimp.io.bpmn.writing` (a process to XML) and
:mod:`~procsimp.io.bpmn.diagram` (the diagram, placed by
:mod:`procsimp.layout` like every other picture).

>>> import procsimp as ps
>>> p = ps.Process.model_validate({"levels": ["staff"], "roles": [{"id": "c", "level": "staff"}],
...     "steps": [{"id": "a", "role": "c", "duration": 1},
...               {"id": "b", "role": "c", "after": ["a"], "rework": {"to": "a", "p": 0.25}}]})
>>> loads_bpmn(dumps_bpmn(p)) == p
True
"""

from procsimp.io.base import Format
from procsimp.io.bpmn._common import (
    BPMN,
    BPMNDI,
    DC,
    DI,
    PROCSIMP,
    QBP,
    TASK_TAGS,
    XSI,
    BpmnImportWarning,
)
from procsimp.io.bpmn.reading import (
    DEFAULT_LEVEL,
    DEFAULT_ROLE,
    KIND_KEYWORDS,
    OPTIONS,
    guess_kind,
    loads_bpmn,
    read_bpmn,
)
from procsimp.io.bpmn.simulation import SECONDS_PER_UNIT, qbp_duration
from procsimp.io.bpmn.writing import dumps_bpmn

__all__ = ["BPMN", "BPMNDI", "DC", "DEFAULT_LEVEL", "DEFAULT_ROLE", "DI", "FORMAT",
           "KIND_KEYWORDS", "PROCSIMP", "QBP", "SECONDS_PER_UNIT", "TASK_TAGS", "XSI",
           "BpmnImportWarning", "dumps_bpmn", "guess_kind", "loads_bpmn", "qbp_duration",
           "read_bpmn"]

#: BPMN's row in the table of formats (:mod:`procsimp.io.files`).
FORMAT = Format("bpmn", (".bpmn",), loads_bpmn, dumps_bpmn, options=OPTIONS)
