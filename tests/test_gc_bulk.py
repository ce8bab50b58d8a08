"""procsimp._gc.bulk: the collector is paused only inside a large bulk block and always
restored; the program's own choices (collector off, objects frozen) are kept."""

from __future__ import annotations

import gc

import pytest
from pydantic import ValidationError

import procsimp as ps
from procsimp._gc import BULK_MIN, bulk


@pytest.fixture(autouse=True)
def _collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_a_large_block_pauses_the_collector_and_restores_it():
    with bulk(BULK_MIN):
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_small_block_leaves_the_collector_running():
    with bulk(BULK_MIN - 1):
        assert gc.isenabled()
    assert gc.isenabled()


def test_an_error_inside_the_block_still_restores_the_collector():
    with pytest.raises(RuntimeError), bulk(BULK_MIN):
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_nested_blocks_restore_once_at_the_outermost():
    with bulk(BULK_MIN):
        with bulk(BULK_MIN):
            assert not gc.isenabled()
        assert not gc.isenabled()  # still inside the outer block
    assert gc.isenabled()


def test_a_collector_the_program_switched_off_stays_off():
    gc.disable()
    with bulk(BULK_MIN):
        pass
    assert not gc.isenabled()


def test_objects_the_program_froze_stay_frozen():
    mine = [[1]]  # a tracked object the program freezes
    gc.freeze()
    try:
        assert gc.get_freeze_count() > 0
        with bulk(BULK_MIN):
            pass
        assert gc.get_freeze_count() > 0
        # an unfrozen object would be back in the oldest generation
        assert not any(obj is mine for obj in gc.get_objects(generation=2))
    finally:
        gc.unfreeze()
    assert any(obj is mine for obj in gc.get_objects(generation=2))


def test_what_the_block_made_leaves_the_young_generation_without_a_scan():
    gc.collect()
    with bulk(BULK_MIN):
        made = [[i] for i in range(10_000)]  # 10,000 tracked lists
    # they were moved to the oldest generation: the young generation is (nearly) empty
    assert gc.get_count()[0] < 1_000
    assert gc.get_freeze_count() == 0
    assert len(made) == 10_000


def test_validating_a_large_process_leaves_the_collector_running():
    data = {"levels": ["staff"], "roles": [{"id": "c", "level": "staff"}],
            "steps": [{"id": f"s{i}", "role": "c", "duration": 1,
                       **({"after": [f"s{i - 1}"]} if i else {})} for i in range(BULK_MIN)]}
    proc = ps.Process.model_validate(data)
    assert gc.isenabled()
    assert ps.measure(proc).lead_time == pytest.approx(BULK_MIN)
    assert gc.isenabled()
    bad = {**data, "steps": [*data["steps"], {"id": "x", "role": "nobody"}]}
    with pytest.raises(ValidationError):
        ps.Process.model_validate(bad)
    assert gc.isenabled()
