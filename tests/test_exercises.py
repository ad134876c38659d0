"""The exercises (pipeline/exercises.py, declared in pipeline/exercise_specs.py), generated as the
build generates them: every checker passes on the real snippet, fails on the stub, and fails on each
planted mistake in the test named for that pitfall, with the pitfall's message."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from mkdocs.exceptions import PluginError

ROOT = Path(__file__).resolve().parents[1]
hook = importlib.import_module("pipeline.exercises")
EXERCISES = hook.specs()
IDS = [exercise.module for exercise in EXERCISES]
FIRST = {"objectives", "dropout", "l2", "momentum", "schedules"}


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("exercises")
    for exercise in EXERCISES:
        hook.generate(exercise, out)
    return out


def _results(checker: Path, exercise_file: Path) -> dict[str, str | None]:
    """Run every test of ``checker`` against ``exercise_file``: {test name: None or failure message}."""
    os.environ["EXERCISE_FILE"] = str(exercise_file)
    try:
        spec = importlib.util.spec_from_file_location(f"_check_{exercise_file.stem}", checker)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        del os.environ["EXERCISE_FILE"]
    results = {}
    for name, test in vars(module).items():
        if name.startswith("test_") and callable(test):
            try:
                test()
                results[name] = None
            except Exception as err:  # AssertionError, NotImplementedError, whatever the reader wrote
                results[name] = f"{type(err).__name__}: {err}"
    return results


def test_the_first_exercises_are_declared_with_pages_and_at_least_two_pitfalls():
    assert FIRST <= set(IDS)
    for exercise in EXERCISES:
        assert (ROOT / "docs" / exercise.page).is_file(), exercise.page
        assert len(exercise.pitfalls) >= 2, exercise.module
    assert len({e.order for e in EXERCISES}) == len(EXERCISES)


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_checker_passes_on_the_snippet(generated, exercise):
    results = _results(generated / f"check_{exercise.module}.py", ROOT / "snippets" / f"{exercise.module}.py")
    assert results and not {k: v for k, v in results.items() if v}


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_checker_fails_on_the_stub_with_its_hint(generated, exercise):
    results = _results(generated / f"check_{exercise.module}.py",
                       generated / f"exercise_{exercise.module}.py")
    failures = {name: message for name, message in results.items() if message}
    assert failures and set(failures) == set(results), "every check must fail on the unimplemented stub"
    assert any("NotImplementedError" in message for message in failures.values())


# The planted mistakes are the naive formulas the pages warn about; overflowing is part of how they fail.
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_each_planted_mistake_fails_its_pitfall_test_with_its_message(generated, exercise, tmp_path, capsys):
    source = (ROOT / "snippets" / f"{exercise.module}.py").read_text(encoding="utf-8")
    checker = generated / f"check_{exercise.module}.py"
    shown = []
    for number, pitfall in enumerate(exercise.pitfalls):
        wrong = tmp_path / f"mistake_{number}.py"
        wrong.write_text(hook.plant(source, pitfall.mistake, exercise.module), encoding="utf-8")
        message = _results(checker, wrong)[f"test_{pitfall.name}"]
        assert message is not None, f"planted mistake of {pitfall.name} passes its test"
        assert pitfall.message in message
        shown.append(f"{exercise.module}: test_{pitfall.name}: {message[:160]}")
    with capsys.disabled():
        print("\n" + "\n".join(shown))


def test_a_planted_mistake_whose_fragment_is_gone_fails_loudly():
    with pytest.raises(PluginError, match="occurs 0 times"):
        hook.plant("def f():\n    return 1\n", ("return 2", "return 3"), "dropout")
    with pytest.raises(PluginError, match="occurs 2 times"):
        hook.plant("a = 1\na = 1\n", ("a = 1", "a = 2"), "dropout")


def test_stub_keeps_the_docstring_and_raises_the_hint_and_unknown_functions_fail():
    source = 'def f(a):\n    """Doc."""\n    b = a\n    return b\n\n\ndef g():\n    return 1\n'
    stub = hook.make_stub(source, {"f": "return a"}, "demo")
    assert '    """Doc."""\n    raise NotImplementedError("return a")\n' in stub
    assert "def g():\n    return 1\n" in stub and "b = a" not in stub
    with pytest.raises(PluginError, match="no function"):
        hook.make_stub(source, {"h": "x"}, "demo")


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_files_are_standalone_numpy_and_pytest_only(generated, exercise):
    for name in (f"exercise_{exercise.module}.py", f"check_{exercise.module}.py"):
        text = (generated / name).read_text(encoding="utf-8")
        imports = set()
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Import):
                imports |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                imports.add((node.module or "").split(".")[0])
        assert imports - set(sys.stdlib_module_names) <= {"numpy", "pytest", "__future__"}, (name, imports)
        assert "snippets" not in imports and "torch" not in imports


def test_reader_runs_pytest_on_the_checker_beside_the_exercise(generated, tmp_path):
    """As a reader does: `pytest check_<module>.py` in a folder with the two files, in a fresh process.
    The solution copied as the exercise passes; the untouched stub fails."""
    def run(exercise, solved):
        folder = tmp_path / f"{exercise.module}-{solved}"
        folder.mkdir()
        (folder / f"check_{exercise.module}.py").write_bytes(
            (generated / f"check_{exercise.module}.py").read_bytes())
        source = ROOT / "snippets" / f"{exercise.module}.py" if solved else (
            generated / f"exercise_{exercise.module}.py")
        (folder / f"exercise_{exercise.module}.py").write_bytes(source.read_bytes())
        env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "EXERCISE_FILE"}}
        return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                               f"check_{exercise.module}.py"], cwd=folder, env=env,
                              capture_output=True, text=True).returncode

    jobs = [(e, solved) for e in EXERCISES[:2] for solved in (True, False)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        codes = list(pool.map(lambda job: run(*job), jobs))
    assert codes == [0 if solved else 1 for _, solved in jobs]
