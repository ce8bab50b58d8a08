"""The command line starts without the plotting and table stacks.

Its start-up time is measured in benchmarks/bench_cli.py, not asserted here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHILD = """
import sys, json
from procsimp.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
else:
    code = 0
sys.stdout.flush()
print(json.dumps({"code": code, "heavy": [m for m in ("matplotlib", "pandas", "tqdm")
                                        if m in sys.modules]}), file=sys.stderr)
"""


@pytest.mark.parametrize("args", [["--help"], ["validate", "examples/building_approval.yaml",
                                              "examples/outgoing_letter.yaml"]])
def test_help_and_validate_do_not_import_matplotlib(args: list[str]) -> None:
    out = subprocess.run([sys.executable, "-c", CHILD, *args], cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    report = json.loads(out.stderr.strip().splitlines()[-1])
    assert report["code"] in (0, None), out.stderr
    assert report["heavy"] == []
    assert ("usage" in out.stdout) if args == ["--help"] else ("ok" in out.stdout)
