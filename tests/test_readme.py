"""README keeps its promises: every command its shell examples (and the Makefile targets it names) tell
people to run is installed by the set-up (`make setup`: the venv from pyproject.toml) or is a Makefile target."""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

from budget_etl.paths import project_root

README = project_root() / "README.md"
MAKEFILE = project_root() / "Makefile"
VENV_BIN = Path(sys.executable).parent  # the set-up's .venv/bin (the tests run in it)


def shell_commands() -> list[list[str]]:
    """The commands of README's ```sh blocks, each as its words (comments dropped)."""
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    return [shlex.split(line, comments=True) for block in blocks for line in block.splitlines()
            if shlex.split(line, comments=True)]


def make_targets() -> set[str]:
    return set(re.findall(r"^([a-z][\w-]*):", MAKEFILE.read_text(encoding="utf-8"), re.M))


def installed(program: str) -> bool:
    return (VENV_BIN / Path(program).name).is_file()


def test_every_shell_example_runs_a_command_the_set_up_installs():
    commands = shell_commands()
    assert len(commands) >= 8  # the examples were found
    missing = [" ".join(words) for words in commands
               if not (words[0] == "make" and set(words[1:]) <= make_targets()) and not installed(words[0])]
    assert missing == [], f"README tells people to run what the set-up does not install: {missing}"


def test_readme_does_not_promise_the_duckdb_cli_from_pypi():
    # duckdb-cli on PyPI (1.5.x) cannot read files written by duckdb 2.0.1 (storage version 69)
    assert not any(words[0] == "duckdb" for words in shell_commands())


def test_makefile_recipes_use_programs_the_venv_has():
    recipes = re.findall(r"\$\(BIN\)/([\w.-]+)", MAKEFILE.read_text(encoding="utf-8"))
    assert "jupyter" in recipes  # make notebooks
    assert [program for program in recipes if not installed(program)] == []


def test_make_targets_named_in_the_readme_exist():
    named = set(re.findall(r"`make (\w+)`", README.read_text(encoding="utf-8")))
    assert {"run", "test", "notebooks"} <= named
    assert named <= make_targets()
