"""The walkthrough notebook runs top to bottom (executed with nbclient)."""

from __future__ import annotations

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOK = Path(__file__).resolve().parents[1] / "examples" / "walkthrough.ipynb"


def test_walkthrough_runs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    shown = [o for o in outputs if o.output_type == "execute_result"]
    assert any("image/svg+xml" in o.data for o in shown)  # the process draws itself
    assert any("text/html" in o.data for o in shown)      # metrics, result and report tables
    # every figure cell (before/after, distribution, savings, the deck) shows an image by itself,
    # with no %matplotlib inline in the notebook
    figures = [cell for cell in nb.cells if cell.cell_type == "code"
               and "ps.plot." in cell.source]
    assert len(figures) == 4
    for cell in figures:
        images = [o for o in cell.outputs if o.output_type == "execute_result"
                  and "image/png" in o.data]
        assert images, f"no image from: {cell.source}"
    assert "%matplotlib" not in "".join(c.source for c in nb.cells)
