"""Reading and writing process files; the format is chosen by the file's suffix.

``.yaml``/``.yml`` and ``.json`` carry the same schema. Loading is safe (no
YAML tags, bounded aliases); saving is atomic (a temporary file renamed over
the target), so a failed save leaves the old file as it was.
"""

from procsimp.io.files import FORMATS, dumps, load, loads, save

__all__ = ["FORMATS", "dumps", "load", "loads", "save"]
