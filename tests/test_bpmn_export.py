"""Every BPMN export is valid against the OMG BPMN 2.0 XSD (tests/data/xsd/, see SOURCES.md).

Over every example, every simplified example (default pipeline and preset ``all``)
and every corpus import; also that each round-trips (``load(save(p)) == p``).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from bpmn_exports import case_process, export_cases

from procsimp.io.bpmn import dumps_bpmn, loads_bpmn

XSD = Path(__file__).parent / "data" / "xsd" / "BPMN20.xsd"
CASES = export_cases()


@pytest.fixture(scope="module")
def schema():  # type: ignore[no-untyped-def]
    etree = pytest.importorskip("lxml.etree")
    return etree, etree.XMLSchema(etree.parse(str(XSD)))


@pytest.mark.parametrize(("path", "how"), [(c[1], c[2]) for c in CASES],
                         ids=[c[0] for c in CASES])
def test_export_is_schema_valid_and_round_trips(schema, path: Path, how: str | None) -> None:  # type: ignore[no-untyped-def]
    etree, xsd = schema
    proc = case_process(path, how)
    text = dumps_bpmn(proc)
    doc = etree.fromstring(text.encode("utf-8"))
    assert xsd.validate(doc), xsd.error_log.filter_from_errors()[:3]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert loads_bpmn(text) == proc
