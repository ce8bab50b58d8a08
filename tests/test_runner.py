"""The pass runner: option names checked against the process, every pass's output checked."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import procsimp as ps
from procsimp.errors import PassError
from procsimp.passes.base import LevelId, RoleId, StepId, get_pass, named_fields
from procsimp.passes.context import PassContext


@pytest.fixture
def user_pass() -> Iterator[Any]:
    """Register a user pass for one test (``user_pass(function, options=...)``)."""
    names: list[str] = []

    def register(function: Any, options: type[ps.PassOptions] | None = None) -> str:
        name = function.__name__
        names.append(name)
        kwargs = {"options": options} if options is not None else {}
        ps.register_pass(name, **kwargs)(function)
        return name

    yield register
    for name in names:
        ps.unregister_pass(name)


class TestOptionNames:
    def test_a_misspelt_level_names_the_close_match_and_the_levels(
            self, letter_process: ps.Process) -> None:
        # issue 9, item 8: eselon_3 on a process whose level is echelon_3 passed silently
        with pytest.raises(ps.OptionError) as err:
            ps.simplify(letter_process, ["delayer"],
                        options={"delayer": {"remove_levels": ["eselon_3"]}})
        message = str(err.value)
        assert "pass 'delayer'" in message and "remove_levels" in message
        assert "did you mean 'echelon_3'?" in message
        assert "its levels are head, echelon_3, echelon_4, staff" in message

    def test_every_unknown_name_is_listed_at_once(self, letter_process: ps.Process) -> None:
        with pytest.raises(ps.OptionError, match=r"'zz'.*'yy'"):
            ps.run_pass(letter_process, "delayer", keep_levels=["head", "zz", "yy"])

    @pytest.mark.parametrize(("name", "options", "needle"), [
        ("digitize", {"roles": ["analist"]}, "did you mean 'analyst'?"),
        ("single_window", {"role": "window"}, "its roles are"),
    ])
    def test_roles(self, letter_process: ps.Process, name: str, options: dict[str, Any],
                   needle: str) -> None:
        with pytest.raises(ps.OptionError, match=needle):
            ps.run_pass(letter_process, name, **options)

    def test_the_builtin_option_fields_declare_what_they_name(self) -> None:
        names = get_pass("delayer").names
        assert (names["remove_levels"], names["keep_levels"]) == ("level", "level")
        assert get_pass("digitize").names == {"roles": "role"}
        assert get_pass("single_window").names == {"role": "role"}

    def test_a_user_pass_gets_the_same_check(self, letter_process: ps.Process,
                                             user_pass: Any) -> None:
        class Options(ps.PassOptions):
            step: StepId | None = None
            also: tuple[RoleId, ...] = ()

        def touch(process: ps.Process, options: Options) -> tuple[ps.Process, list[ps.Change]]:
            """Does nothing."""
            return process, []

        name = user_pass(touch, Options)
        assert named_fields(Options) == {"step": "step", "also": "role"}
        with pytest.raises(ps.OptionError, match=r"step 'sgn'.*did you mean 'sign'"):
            ps.simplify(letter_process, [name], options={name: {"step": "sgn"}})
        assert ps.simplify(letter_process, [name], options={name: {"step": "sign"}})

    def test_a_field_naming_two_kinds_is_refused_at_registration(self) -> None:
        class Mixed(ps.PassOptions):
            x: tuple[LevelId | RoleId, ...] = ()

        with pytest.raises(ps.OptionError, match="names both level and roles"):
            ps.register_pass("mixed", options=Mixed)

    def test_idempotent_on_its_own_output(self, letter_process: ps.Process) -> None:
        # the removed levels stay declared (no post at them), so a second run is a no-op
        once = ps.simplify(letter_process, "delayering_2019")
        assert [lv.id for lv in once.process.levels] == ["head", "echelon_3", "echelon_4",
                                                          "staff"]
        assert ps.measure(once.process).layers == 2
        twice = ps.simplify(once.process, "delayering_2019")
        assert twice.process == once.process and twice.changes == ()
        saved = ps.loads(ps.dumps(once.process))  # also after a save
        assert ps.simplify(saved, "delayering_2019").process == once.process

    def test_a_pipeline_checks_each_pass_against_what_it_receives(
            self, letter_process: ps.Process) -> None:
        # reassign below removes the section head's post; digitize may not name it after
        with pytest.raises(ps.OptionError, match=r"pass 'digitize'.*'section_head'"):
            ps.simplify(letter_process, ["delayer", "digitize"],
                        options={"delayer": {"remove_levels": ["echelon_4"],
                                             "reassign": "below"},
                                 "digitize": {"roles": ["section_head"]}})

    @pytest.mark.parametrize("options", [
        {"remove_levels": 3}, {"remove_levels": [[["x"]]]}, {"remove_levels": None},
        {"nonsense": 1}, {1: 2}, {"reassign": object()},
    ])
    def test_bad_values_are_option_errors(self, letter_process: ps.Process,
                                          options: dict[Any, Any]) -> None:
        with pytest.raises(ps.OptionError, match="pass 'delayer'"):
            ps.simplify(letter_process, ["delayer"], options={"delayer": options})

    def test_an_options_validator_that_raises_anything(self, letter_process: ps.Process,
                                                       user_pass: Any) -> None:
        from pydantic import field_validator

        class Picky(ps.PassOptions):
            x: int = 0

            @field_validator("x")
            @classmethod
            def _boom(cls, value: int) -> int:
                raise TypeError("not today")

        def picky(process: ps.Process, options: Picky) -> tuple[ps.Process, list[ps.Change]]:
            """Never runs."""
            return process, []

        name = user_pass(picky, Picky)
        with pytest.raises(ps.OptionError, match="TypeError: not today"):
            ps.run_pass(letter_process, name, x=1)


def _with_steps(process: ps.Process, steps: list[ps.Step]) -> ps.Process:
    return process.model_copy(update={"steps": tuple(steps)})


class TestOutputChecks:
    def run(self, process: ps.Process, user_pass: Any, function: Any) -> PassError:
        name = user_pass(function)
        with pytest.raises(PassError) as err:
            ps.simplify(process, [name])
        assert err.value.pass_name == name
        assert f"pass {name!r}" in str(err.value)
        assert isinstance(err.value, ps.ProcsimpError)
        return err.value

    def test_a_dangling_edge(self, letter_process: ps.Process, user_pass: Any) -> None:
        # issue 9, item 9: measure then raised a bare KeyError
        def dangle(process: ps.Process, options: Any) -> tuple[ps.Process, list[ps.Change]]:
            """Drops the draft but not the edge to it."""
            return _with_steps(process, [s for s in process.steps if s.id != "draft"]), []

        err = self.run(letter_process, user_pass, dangle)
        assert "returned an invalid process" in str(err)
        assert err.problems == ["steps[0].after[0]: step 'initial_section': predecessor "
                                "'draft' is not defined; use one of: initial_division, "
                                "initial_section, sign"]

    def test_a_cycle(self, letter_process: ps.Process, user_pass: Any) -> None:
        def loop(process: ps.Process, options: Any) -> tuple[ps.Process, list[ps.Change]]:
            """Sends the draft after the signature."""
            draft = process.step("draft").model_copy(
                update={"after": (ps.Predecessor(step="sign"),)})
            return _with_steps(process, [draft, *process.steps[1:]]), []

        err = self.run(letter_process, user_pass, loop)
        assert any("form a cycle that is not a declared rework" in p for p in err.problems)

    def test_probabilities_that_do_not_sum_to_one(self, letter_process: ps.Process,
                                                  user_pass: Any) -> None:
        def half(process: ps.Process, options: Any) -> tuple[ps.Process, list[ps.Change]]:
            """A lone branch edge with p 0.5."""
            sign = process.step("sign").model_copy(
                update={"after": (ps.Predecessor(step="initial_division", p=0.5),)})
            return _with_steps(process, [*process.steps[:-1], sign]), []

        err = self.run(letter_process, user_pass, half)
        assert any("summing to 0.5" in p for p in err.problems)

    @pytest.mark.parametrize(("returned", "needle"), [
        (None, "must return a tuple"),
        ("process", "must return a tuple"),
        (("not a process", []), "must return a Process first, got str"),
        (("PROCESS", None), "must return a list of Change second, got NoneType"),
        (("PROCESS", "changes"), "must return a list of Change second, got str"),
        (("PROCESS", [{"kind": "removed"}]), "item 0 is dict"),
    ])
    def test_wrong_return_values(self, letter_process: ps.Process, user_pass: Any,
                                 returned: Any, needle: str) -> None:
        def wrong(process: ps.Process, options: Any) -> Any:
            """Returns the wrong thing."""
            if isinstance(returned, tuple) and returned[0] == "PROCESS":
                return (process, *returned[1:])
            return returned

        assert needle in str(self.run(letter_process, user_pass, wrong))

    def test_steps_that_are_not_steps(self, letter_process: ps.Process,
                                      user_pass: Any) -> None:
        def raw(process: ps.Process, options: Any) -> tuple[ps.Process, list[ps.Change]]:
            """Puts a dict among the steps."""
            return process.model_copy(update={"steps": (*process.steps, {"id": "x"})}), []

        err = self.run(letter_process, user_pass, raw)
        assert err.problems == ["steps[4]: must be a Step, got dict {'id': 'x'}"]

    def test_a_pass_raising_its_own_exception(self, letter_process: ps.Process,
                                              user_pass: Any) -> None:
        def crash(process: ps.Process, options: Any) -> tuple[ps.Process, list[ps.Change]]:
            """Fails."""
            return {}["missing"]

        err = self.run(letter_process, user_pass, crash)
        assert "failed on process 'Outgoing letter approval': KeyError: 'missing'" in str(err)
        assert isinstance(err.__cause__, KeyError)  # the traceback is kept for --debug

    def test_run_pass_checks_too(self, letter_process: ps.Process, user_pass: Any) -> None:
        def dangle(process: ps.Process, options: Any) -> tuple[ps.Process, list[ps.Change]]:
            """Drops the draft but not the edge to it."""
            return _with_steps(process, [s for s in process.steps if s.id != "draft"]), []

        name = user_pass(dangle)
        with pytest.raises(PassError, match="predecessor 'draft' is not defined"):
            ps.run_pass(letter_process, name)
        with pytest.raises(ps.OptionError, match="process must be a Process"):
            ps.run_pass("letter.yaml", name)  # type: ignore[arg-type]

    def test_the_runner_stamps_the_pass_name(self, letter_process: ps.Process,
                                             user_pass: Any) -> None:
        def liar(process: ps.Process, options: Any) -> tuple[ps.Process, list[ps.Change]]:
            """Records a change under another pass's name."""
            return process, [ps.Change(pass_name="delayer", kind="skipped", steps=("sign",),
                                       reason="Kept.")]

        name = user_pass(liar)
        res = ps.simplify(letter_process, [name])
        assert [c.pass_name for c in res.changes] == [name]
        assert res.changes_of(name) == res.changes

    def test_a_pass_taking_the_context(self, letter_process: ps.Process) -> None:
        seen: list[PassContext] = []

        @ps.register_pass("look", context=True)
        def look(ctx: PassContext, options: Any) -> tuple[ps.Process, list[ps.Change]]:
            """Looks at what the runner hands it."""
            seen.append(ctx)
            return ctx.process, [ctx.change("skipped", ("sign",), "Nothing to do.")]

        try:
            res = ps.simplify(letter_process, ["look"])
        finally:
            ps.unregister_pass("look")
        ctx = seen[0]
        assert ctx.process is letter_process and ctx.name == "look"
        assert ctx.analysis is letter_process.analysis
        assert ctx.order == ("draft", "initial_section", "initial_division", "sign")
        assert ctx.needed == {"draft_letter"} and ctx.rework_targets == frozenset()
        assert set(ctx.draft.steps) == {"draft", "initial_section", "initial_division", "sign"}
        assert [(c.pass_name, c.kind) for c in res.changes] == [("look", "skipped")]

    def test_a_valid_output_is_measured_without_validating_again(
            self, letter_process: ps.Process) -> None:
        res = ps.simplify(letter_process, "delayering_2019")
        assert "analysis" in res.process._derived  # the check's graph is kept for measure
        assert ps.measure(res.process).layers == 2
