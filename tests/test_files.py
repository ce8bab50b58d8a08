"""Reading and writing process files: formats by suffix, atomic saves, YAML safety."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

import procsimp as ps

EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "examples"
EXAMPLES = sorted(
    p for pattern in ("*.yaml", "*.yml", "*.json") for p in EXAMPLES_DIR.glob(pattern)
)


class TestRoundTrip:
    @pytest.mark.parametrize("suffix", [".yaml", ".yml", ".json", ".YAML", ".Json"])
    def test_save_then_load(self, letter_process: ps.Process, tmp_path: Path,
                            suffix: str) -> None:
        path = tmp_path / f"letter{suffix}"
        ps.save(letter_process, path)
        loaded = ps.load(path)
        assert loaded == letter_process
        assert loaded.source == path

    def test_str_paths(self, letter_process: ps.Process, tmp_path: Path) -> None:
        path = str(tmp_path / "letter.yaml")
        ps.save(letter_process, path)
        assert ps.load(path) == letter_process

    def test_json_file_is_json(self, letter_process: ps.Process, tmp_path: Path) -> None:
        path = tmp_path / "letter.json"
        ps.save(letter_process, path)
        data = json.loads(path.read_text(encoding="utf-8"))
        assert data["name"] == "Outgoing letter approval"
        assert [s["id"] for s in data["steps"]] == [
            "draft", "initial_section", "initial_division", "sign"]

    def test_yaml_file_reads_like_the_design(self, letter_process: ps.Process,
                                             tmp_path: Path) -> None:
        path = tmp_path / "letter.yaml"
        ps.save(letter_process, path)
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert data["levels"] == ["head", "echelon_3", "echelon_4", "staff"]
        assert data["steps"][1]["after"] == ["draft"]
        assert "kind" not in data["steps"][0]  # defaults are left out
        assert data["steps"][1]["duration"]["dist"] == "triangular"

    @pytest.mark.parametrize("fmt", ["yaml", "json"])
    def test_loads_dumps(self, letter_process: ps.Process, fmt: str) -> None:
        text = ps.dumps(letter_process, fmt)
        assert isinstance(text, str)
        assert ps.loads(text, fmt) == letter_process
        assert ps.loads(text.encode("utf-8"), fmt) == letter_process

    def test_loads_utf8_bom(self, letter_process: ps.Process) -> None:
        raw = b"\xef\xbb\xbf" + ps.dumps(letter_process, "yaml").encode("utf-8")
        assert ps.loads(raw) == letter_process

    def test_unicode_text(self, tmp_path: Path) -> None:
        p = ps.Process.model_validate({
            "name": "Surat keluar — tanda tangan ✍", "levels": ["eselon_ⅱ"],
            "roles": [{"id": "kepala", "level": "eselon_ⅱ", "name": "Kepala Dinas"}],
            "steps": [{"id": "tanda_tangan", "role": "kepala", "name": "Paraf 签名"}]})
        for suffix in (".yaml", ".json"):
            ps.save(p, tmp_path / f"p{suffix}")
            assert ps.load(tmp_path / f"p{suffix}") == p

    def test_dumps_unknown_format(self, letter_process: ps.Process) -> None:
        with pytest.raises(ps.FileFormatError, match="toml"):
            ps.dumps(letter_process, "toml")

    def test_overwrite_replaces_whole_file(self, letter_process: ps.Process,
                                           tmp_path: Path) -> None:
        path = tmp_path / "p.yaml"
        path.write_text("# a much longer old file\n" * 1000, encoding="utf-8")
        ps.save(letter_process, path)
        assert ps.load(path) == letter_process
        assert "old file" not in path.read_text(encoding="utf-8")


class TestSuffixes:
    @pytest.mark.parametrize("name", ["p.txt", "p.yaml.bak", "p", "p.xml"])
    def test_load_unknown_suffix(self, tmp_path: Path, name: str) -> None:
        path = tmp_path / name
        path.write_text("name: x\n", encoding="utf-8")
        with pytest.raises(ps.FileFormatError) as info:
            ps.load(path)
        assert name in str(info.value)
        assert ".yaml" in str(info.value)  # says what would work

    @pytest.mark.parametrize("name", ["p.txt", "p"])
    def test_save_unknown_suffix_writes_nothing(self, letter_process: ps.Process,
                                                tmp_path: Path, name: str) -> None:
        with pytest.raises(ps.FileFormatError, match=name):
            ps.save(letter_process, tmp_path / name)
        assert list(tmp_path.iterdir()) == []

    def test_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(ps.FileFormatError, match=r"nothere\.yaml"):
            ps.load(tmp_path / "nothere.yaml")

    def test_directory(self, tmp_path: Path) -> None:
        (tmp_path / "dir.yaml").mkdir()
        with pytest.raises(ps.FileFormatError, match=r"dir\.yaml"):
            ps.load(tmp_path / "dir.yaml")


class TestAtomicSave:
    OLD = "name: the old file\n"

    def _old_file(self, tmp_path: Path) -> Path:
        path = tmp_path / "p.yaml"
        path.write_text(self.OLD, encoding="utf-8")
        return path

    @pytest.mark.parametrize("failing", ["replace", "fsync"])
    def test_failed_save_keeps_old_file(self, letter_process: ps.Process, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch, failing: str) -> None:
        path = self._old_file(tmp_path)

        def fail(*args: Any, **kwargs: Any) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(os, failing, fail)
        with pytest.raises(ps.FileFormatError) as info:
            ps.save(letter_process, path)
        monkeypatch.undo()
        assert "p.yaml" in str(info.value)
        assert path.read_text(encoding="utf-8") == self.OLD
        assert [p.name for p in tmp_path.iterdir()] == ["p.yaml"]  # no temporary file left

    def test_missing_directory(self, letter_process: ps.Process, tmp_path: Path) -> None:
        with pytest.raises(ps.FileFormatError, match=r"p\.yaml"):
            ps.save(letter_process, tmp_path / "no" / "such" / "dir" / "p.yaml")
        assert list(tmp_path.iterdir()) == []

    @pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                        reason="permissions do not stop root")
    def test_read_only_directory(self, letter_process: ps.Process, tmp_path: Path) -> None:
        path = self._old_file(tmp_path)
        tmp_path.chmod(0o555)
        try:
            with pytest.raises(ps.FileFormatError, match=r"p\.yaml"):
                ps.save(letter_process, path)
        finally:
            tmp_path.chmod(0o755)
        assert path.read_text(encoding="utf-8") == self.OLD
        assert [p.name for p in tmp_path.iterdir()] == ["p.yaml"]

    def test_unencodable_text_is_a_file_format_error(self, tmp_path: Path) -> None:
        path = tmp_path / "p.json"
        path.write_text('{"name": "\\ud800"}', encoding="utf-8")
        p = ps.load(path)  # JSON allows the escape; the name is a lone surrogate
        with pytest.raises(ps.FileFormatError, match=r"p\.json"):
            ps.save(p, path)
        assert path.read_text(encoding="utf-8") == '{"name": "\\ud800"}'
        assert [q.name for q in tmp_path.iterdir()] == ["p.json"]


class TestExamples:
    @pytest.mark.parametrize(
        "path",
        EXAMPLES or [pytest.param(None, marks=pytest.mark.skip(reason="no examples yet"))],
        ids=lambda p: p.name if p else "none",
    )
    def test_example_loads_and_round_trips(self, path: Path, tmp_path: Path) -> None:
        p = ps.load(path)
        assert p.steps
        assert p.source == path
        for suffix in (".yaml", ".json"):
            ps.save(p, tmp_path / f"copy{suffix}")
            assert ps.load(tmp_path / f"copy{suffix}") == p


class TestYamlSafety:
    def test_python_tag_refused(self, tmp_path: Path) -> None:
        marker = tmp_path / "pwned"
        path = tmp_path / "evil.yaml"
        path.write_text(f"name: !!python/object/apply:os.mkdir [{str(marker)!r}]\n",
                        encoding="utf-8")
        with pytest.raises(ps.FileFormatError, match=r"evil\.yaml"):
            ps.load(path)
        assert not marker.exists()

    def test_python_object_tag_refused(self) -> None:
        with pytest.raises(ps.FileFormatError, match="python/object"):
            ps.loads("name: !!python/object:collections.OrderedDict {}\n", source="evil.yaml")

    def test_many_aliases_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "bomb.yaml"
        path.write_text("a: &x [1, 2]\nb: [" + ", ".join(["*x"] * 5000) + "]\n",
                        encoding="utf-8")
        with pytest.raises(ps.FileFormatError, match=r"bomb\.yaml") as info:
            ps.load(path)
        assert "alias" in str(info.value)

    def test_billion_laughs_is_refused_quickly(self, tmp_path: Path) -> None:
        text = "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for i in range(1, 9):
            text += f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]\n"
        text += "steps: *l8\nlevels: *l8\n"
        path = tmp_path / "laughs.yaml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ps.ProcsimpError, match=r"laughs\.yaml"):
            ps.load(path)

    def test_a_few_aliases_are_fine(self) -> None:
        text = """
        levels: [staff]
        roles: [{id: clerk, level: staff}]
        steps:
          - {id: a, role: clerk, duration: &d {dist: uniform, low: 1, high: 2}}
          - {id: b, role: clerk, duration: *d, after: [a]}
        """
        p = ps.loads(text.replace("\n        ", "\n"))
        assert p.step("a").duration == p.step("b").duration


class TestMalformed:
    def test_yaml_names_file_and_line(self, tmp_path: Path) -> None:
        path = tmp_path / "broken.yaml"
        path.write_text("name: x\nlevels: [staff]\nsteps: [ {id: a\n", encoding="utf-8")
        with pytest.raises(ps.FileFormatError) as info:
            ps.load(path)
        msg = str(info.value)
        assert "broken.yaml" in msg
        assert "line 4" in msg or "line 3" in msg

    def test_yaml_bad_indentation_line(self, tmp_path: Path) -> None:
        path = tmp_path / "indent.yaml"
        path.write_text("name: x\nlevels:\n  - staff\n - head\n", encoding="utf-8")
        with pytest.raises(ps.FileFormatError) as info:
            ps.load(path)
        assert "indent.yaml" in str(info.value)
        assert "line 4" in str(info.value)

    def test_json_names_file_and_line(self, tmp_path: Path) -> None:
        path = tmp_path / "broken.json"
        path.write_text('{\n  "name": "x",\n  "steps": [}\n', encoding="utf-8")
        with pytest.raises(ps.FileFormatError) as info:
            ps.load(path)
        assert "broken.json" in str(info.value)
        assert "line 3" in str(info.value)

    def test_yaml_in_a_json_file(self, tmp_path: Path) -> None:
        path = tmp_path / "wrong.json"
        path.write_text("name: x\nsteps: []\n", encoding="utf-8")
        with pytest.raises(ps.FileFormatError, match=r"wrong\.json"):
            ps.load(path)


class TestYamlText:
    def test_next_line_character_round_trips(self) -> None:
        p = ps.Process.model_validate({"name": "a\x85b"})
        assert ps.loads(ps.dumps(p, "yaml")).name == "a\x85b"

    @pytest.mark.parametrize("text", ["null", "~", "yes", "1e3", "0x10", "- a", "a: b", "#",
                                      "*a", "&a", "!x", " x ", "'", '"', "\t", "a\r\nb",
                                      "\x00", "\u2028", "\ufeff", "😀"])
    def test_awkward_text_round_trips(self, text: str) -> None:
        p = ps.Process.model_validate({
            "name": text, "levels": [text], "roles": [{"id": text, "level": text}],
            "steps": [{"id": text, "role": text}, {"id": text + "2", "role": text,
                                                    "after": [text]}]})
        for fmt in ("yaml", "json"):
            assert ps.loads(ps.dumps(p, fmt), fmt) == p


class TestYamlHygiene:
    """Mistakes YAML would otherwise let through silently, or explain badly."""

    def test_a_repeated_key_is_refused_with_its_lines(self) -> None:
        with pytest.raises(ps.FileFormatError, match=r"'name' appears twice.*line 1"):
            ps.loads("name: a\nlevels: []\nname: b\n", source="dup.yaml")

    def test_a_tag_is_refused_as_a_tag(self) -> None:
        with pytest.raises(ps.FileFormatError, match=r"tags .* are not allowed"):
            ps.loads("name: !!python/name:os.system\n", source="tag.yaml")

    def test_an_empty_file_says_so(self, tmp_path: Path) -> None:
        path = tmp_path / "empty.yaml"
        path.write_text("# nothing yet\n", encoding="utf-8")
        with pytest.raises(ps.FileFormatError, match=r"empty\.yaml: the file is empty"):
            ps.load(path)


class TestSavedFileMode:
    def test_a_new_file_gets_the_umask_mode_and_an_old_one_keeps_its_own(
            self, tmp_path: Path, letter_process: ps.Process) -> None:
        old = os.umask(0o022)
        try:
            new = tmp_path / "new.yaml"
            ps.save(letter_process, new)
            assert new.stat().st_mode & 0o777 == 0o644
            kept = tmp_path / "kept.yaml"
            kept.write_text("name: old\n", encoding="utf-8")
            kept.chmod(0o640)
            ps.save(letter_process, kept)
            assert kept.stat().st_mode & 0o777 == 0o640
        finally:
            os.umask(old)
