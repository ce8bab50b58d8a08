"""Reading and writing process files; the format is chosen by the file's suffix.

``.yaml``/``.yml`` and ``.json`` carry the same schema; ``.bpmn`` is BPMN 2.0
XML (read and written, :mod:`procsimp.io.bpmn`); ``.mmd`` (Mermaid) and ``.dot``
(Graphviz) are written only. Each format is one row of the table in
:mod:`procsimp.io.files`, from which :func:`load`, :func:`loads`, :func:`save`,
:func:`dumps` and :data:`FORMATS` are derived; ``load(path, **options)`` passes
a format's options on (BPMN: ``level_of``, ``probabilities``, ``time_unit``,
``process``). Loading is safe (no YAML tags, bounded aliases, no XML DTDs or
entities); saving is atomic (a temporary file renamed over the target), so a
failed save leaves the old file as it was (:mod:`procsimp.io.base`). Step
tables (:mod:`procsimp.io.tables`) and networkx graphs (:mod:`procsimp.io.graphs`)
convert in memory.
"""

from procsimp.io.files import FORMATS, dumps, load, loads, save
from procsimp.io.graphs import from_networkx, to_networkx
from procsimp.io.tables import from_frame

__all__ = ["FORMATS", "dumps", "from_frame", "from_networkx", "load", "loads", "save",
           "to_networkx"]
