"""ps.load and ps.save read and write step tables (CSV and Excel) like any process file."""

from __future__ import annotations

from pathlib import Path

import pytest

import procsimp as ps
from procsimp.cli import main

pd = pytest.importorskip("pandas")
pytest.importorskip("openpyxl")

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NAMES = ("outgoing_letter", "building_approval", "business_licence")


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
@pytest.mark.parametrize("name", NAMES)
def test_a_table_written_from_yaml_loads_to_the_same_process(name, suffix, tmp_path) -> None:
    proc = ps.load(EXAMPLES / f"{name}.yaml")
    path = tmp_path / f"{name}{suffix}"
    ps.save(proc, path)
    back = ps.load(path)
    assert back == proc
    assert ps.dumps(back) == ps.dumps(proc)  # the YAML it gives is the YAML it came from
    # and a plain pandas read sees one row per step, named as in the file
    df = (pd.read_excel(path, dtype=str) if suffix == ".xlsx"
          else pd.read_csv(path, dtype=str, keep_default_na=False))
    assert df[df.record == "step"]["id"].tolist() == [s.id for s in proc.steps]


def test_the_command_line_reads_and_writes_tables(tmp_path, capsys) -> None:
    sheet = tmp_path / "letter.xlsx"
    assert main(["convert", str(EXAMPLES / "outgoing_letter.yaml"), "-o", str(sheet)]) == 0
    assert main(["validate", str(sheet)]) == 0
    assert "ok" in capsys.readouterr().out
    assert main(["measure", str(sheet), "-n", "0", "--json"]) == 0
    out = capsys.readouterr().out
    assert '"layers": 4' in out
    assert main(["convert", str(sheet), "-o", str(tmp_path / "back.yaml")]) == 0
    assert ps.load(tmp_path / "back.yaml") == ps.load(EXAMPLES / "outgoing_letter.yaml")


def test_a_hand_typed_step_table_takes_its_levels_as_an_option(tmp_path) -> None:
    path = tmp_path / "steps.csv"
    path.write_text("id,role,level,duration,after,kind\n"
                    "draft,clerk,staff,2,,task\n"
                    "sign,boss,head,1,draft,signature\n")
    with pytest.raises(ps.FileFormatError, match=r"steps\.csv"):
        ps.load(path)  # two levels and no order given
    proc = ps.load(path, levels=["head", "staff"], name="memo")
    assert proc.name == "memo" and [lv.id for lv in proc.levels] == ["head", "staff"]
    assert ps.measure(proc).lead_time == 3
    with pytest.raises(ps.OptionError, match="levels, name, time_unit, handoff_delay"):
        ps.load(path, level_of={})


def test_a_corrupt_workbook_is_a_clear_error(tmp_path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ps.FileFormatError, match=r"broken\.xlsx: cannot read the table"):
        ps.load(path)
