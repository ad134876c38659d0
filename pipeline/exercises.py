"""Exercises generated at build time from the snippets: a stub to complete and a checker that grades it.

For each declaration of pipeline/exercise_specs.py this step writes, from the snippet module as it is
now:

- ``exercises/exercise_<module>.py``: the module with the body of each function to implement replaced by
  ``raise NotImplementedError("<one-line hint>")`` (docstrings, signatures and helpers kept);
- ``exercises/check_<module>.py``: a standalone pytest file (NumPy and pytest only) that imports the
  reader's ``exercise_<module>.py`` from its own folder (or the file named by ``EXERCISE_FILE``) and checks
  it: values recorded from the real snippet during this build, finite-difference gradient checks, and the
  page's pitfalls as named tests whose failure message says what is wrong.

Planted mistakes (a pitfall's wrong line) are source-fragment replacements: a fragment that is not in the
snippet exactly once raises, naming it, so an edit of the snippet cannot silently disarm a test
(tests/test_exercises.py runs every checker on the snippet, the stub and every planted mistake).
Technique pages get a "Try it yourself" block at their end, and exercises.md its list.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import sys
from pathlib import Path

import numpy as np

from pipeline import ROOT, BuildError

OUT = ROOT / ".cache" / "exercises"
LIST_MARKER = "<!-- exercises-list -->"

# Shared by the recording (here) and the checker (pasted into it): the inputs a case builds.
HELPERS = '''
def rng(seed=0):
    """A fresh seeded generator: the same numbers in the build and on your machine."""
    return np.random.default_rng(seed)


def x(*shape, seed=1, dtype="float32", low=None):
    """Asymmetric test input: normal numbers around 0.3 (uniform from ``low`` to 1 when given)."""
    g = np.random.default_rng(seed)
    values = g.uniform(low, 1, shape) if low is not None else g.normal(0.3, 1.2, shape)
    return values.astype(dtype)


def params(seed=2, dtype="float32"):
    """A two-layer network's parameters: W1 (3, 4), b1 (3,), W2 (2, 3), b2 (2,)."""
    return {"W1": x(3, 4, seed=seed, dtype=dtype), "b1": x(3, seed=seed + 1, dtype=dtype),
            "W2": x(2, 3, seed=seed + 2, dtype=dtype), "b2": x(2, seed=seed + 3, dtype=dtype)}


def raises(call, kind):
    """Whether ``call()`` raises ``kind`` (any other exception propagates)."""
    try:
        call()
    except kind:
        return True
    return False
'''


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@functools.cache
def specs():
    from pipeline import exercise_specs

    return exercise_specs.EXERCISES


# ------------------------------------------------------------------------------------- the stub


def make_stub(source: str, implement: dict[str, str], module: str) -> str:
    """``source`` with the body (after the docstring) of each function of ``implement`` replaced by a
    ``raise NotImplementedError(hint)``."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    found = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name in implement:
            body = node.body
            if isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                body = body[1:]  # the docstring stays: it is the exercise's statement
            if not body:
                raise BuildError(f"snippets/{module}.py: {node.name} has nothing to implement")
            found[node.name] = (body[0].lineno, node.end_lineno, body[0].col_offset)
    missing = set(implement) - set(found)
    if missing:
        raise BuildError(f"exercise {module}: snippets/{module}.py has no function {sorted(missing)}")
    for name, (first, last, indent) in sorted(found.items(), key=lambda item: -item[1][0]):
        hint = implement[name].replace('"', "'")
        lines[first - 1:last] = [f'{" " * indent}raise NotImplementedError("{hint}")\n']
    header = (f"# Exercise: implement {', '.join(implement)} (each raises NotImplementedError now).\n"
              f"# Check your work with `pytest check_{module}.py` in this folder.\n")
    return header + "".join(lines)


def plant(source: str, mistake, module: str) -> str:
    """The snippet with a pitfall's mistake planted; the fragment must occur exactly once."""
    old, new = mistake
    count = source.count(old)
    if count != 1:
        raise BuildError(f"exercise {module}: the planted mistake's fragment {old!r} occurs {count} "
                          f"times in snippets/{module}.py (expected once): update exercise_specs.py")
    return source.replace(old, new, 1)


# ---------------------------------------------------------------------------------- the checker


def literal(value) -> str:
    """Python source that rebuilds ``value`` (arrays keep dtype and shape; floats are exact)."""
    if isinstance(value, np.ndarray):
        return f"np.array({value.tolist()!r}, dtype={value.dtype.name!r}).reshape({value.shape!r})"
    if isinstance(value, np.generic):
        return f"np.{value.dtype.name}({value.item()!r})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, tuple):
        return "(" + "".join(f"{literal(v)}, " for v in value) + ")"
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if value is None or isinstance(value, bool | int | float | str):
        return repr(value)
    raise BuildError(f"cannot record a value of type {type(value).__name__} in a checker")


def _record(module, exercise) -> dict[str, object]:
    namespace = {"np": np, "m": module}
    exec(HELPERS, namespace)  # noqa: S102 - our own helper source
    values = {}
    for case in [*exercise.cases, *exercise.pitfalls]:
        try:
            values[case.name] = eval(case.call, namespace)  # noqa: S307 - a declared call
        except Exception as err:
            raise BuildError(
                f"exercise {exercise.module}, {case.name}: {case.call} failed: {err!r}") from err
    return values


CHECKER_HEAD = '''"""Checks your exercise_{module}.py: run `pytest check_{module}.py` beside it.

Generated by the Deep Learning Field Guide from snippets/{module}.py; the expected values were recorded
from that module when the site was built. Needs NumPy and pytest only.
"""
import importlib.util
import os
from pathlib import Path

import numpy as np

FILE = Path(os.environ.get("EXERCISE_FILE") or Path(__file__).with_name("exercise_{module}.py"))
_spec = importlib.util.spec_from_file_location("exercise_{module}", FILE)
m = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(m)
'''

CHECKER_TOOLS = '''

def same(got, want, what, rtol=1e-5, atol=1e-6):
    """``got`` equals the recorded ``want`` (arrays: same shape and dtype, values to float32 precision)."""
    if isinstance(want, np.ndarray):
        got_array = np.asarray(got)
        assert got_array.shape == want.shape, f"{what}: shape {got_array.shape}, expected {want.shape}"
        assert got_array.dtype == want.dtype, (
            f"{what}: dtype {got_array.dtype}, expected {want.dtype} (float32 in, float32 out)")
        close = np.allclose(got_array, want, rtol=rtol, atol=atol, equal_nan=True)
        assert close, f"{what}: values differ from the solution's, e.g. {got_array.ravel()[:4]} vs " \\
            f"{want.ravel()[:4]}"
    elif isinstance(want, dict):
        assert isinstance(got, dict) and set(got) == set(want), f"{what}: keys {sorted(got)}, " \\
            f"expected {sorted(want)}"
        for key in want:
            same(got[key], want[key], f"{what}[{key!r}]", rtol, atol)
    elif isinstance(want, tuple | list):
        assert isinstance(got, tuple | list) and len(got) == len(want), (
            f"{what}: expected {len(want)} results, got {got!r:.80}")
        for i, (g, w) in enumerate(zip(got, want)):
            same(g, w, f"{what}[{i}]", rtol, atol)
    elif isinstance(want, float | np.floating):
        assert np.isclose(float(got), float(want), rtol=rtol, atol=atol), (
            f"{what}: {got}, expected {want}")
    else:
        assert got == want, f"{what}: {got!r}, expected {want!r}"


def gradient_check(f, grad, x0, what, eps=1e-6, rtol=1e-5):
    """The analytic gradient ``grad(x0)`` against central differences of ``f`` (float64)."""
    x0 = np.asarray(x0, dtype=np.float64)
    numeric = np.zeros_like(x0)
    for i in np.ndindex(x0.shape):
        step = np.zeros_like(x0)
        step[i] = eps
        numeric[i] = (f(x0 + step) - f(x0 - step)) / (2 * eps)
    analytic = np.asarray(grad(x0), dtype=np.float64)
    assert analytic.shape == x0.shape, f"{what}: gradient shape {analytic.shape}, expected {x0.shape}"
    scale = max(np.linalg.norm(analytic) + np.linalg.norm(numeric), 1e-12)
    error = np.linalg.norm(analytic - numeric) / scale
    assert error < rtol, f"{what}: relative error {error:.2e} against finite differences"
'''


def make_checker(exercise, values) -> str:
    parts = [CHECKER_HEAD.format(module=exercise.module), HELPERS, CHECKER_TOOLS]
    for case in exercise.cases:
        parts.append(f"\n\ndef test_{case.name}():\n"
                     f"    want = {literal(values[case.name])}\n"
                     f"    same({case.call}, want, {case.call!r})\n")
    for check in exercise.gradients:
        parts.append(f"\n\ndef test_{check.name}():\n"
                     + "".join(f"    {line}\n" for line in check.setup.strip().splitlines())
                     + f"    gradient_check(f, grad, x0, {check.message!r})\n")
    for pitfall in exercise.pitfalls:
        parts.append(f"\n\ndef test_{pitfall.name}():\n"
                     f"    want = {literal(values[pitfall.name])}\n"
                     f"    try:\n"
                     f"        same({pitfall.call}, want, {pitfall.call!r})\n"
                     f"    except AssertionError as err:\n"
                     f"        raise AssertionError({pitfall.message!r} + f' ({{err}})') from None\n")
    return "".join(parts)


# ----------------------------------------------------------------------------------- generation


def generate(exercise, out: Path = OUT) -> dict[str, Path]:
    """Write the exercise and checker files of ``exercise``; return {site path: file}."""
    source_path = ROOT / "snippets" / f"{exercise.module}.py"
    source = source_path.read_text(encoding="utf-8")
    for pitfall in exercise.pitfalls:
        plant(source, pitfall.mistake, exercise.module)  # fails loudly now, not in CI later
    module = _load(source_path, f"_exercise_solution_{exercise.module}")
    out.mkdir(parents=True, exist_ok=True)
    stub, checker = out / f"exercise_{exercise.module}.py", out / f"check_{exercise.module}.py"
    stub.write_text(make_stub(source, exercise.implement, exercise.module), encoding="utf-8")
    checker.write_text(make_checker(exercise, _record(module, exercise)), encoding="utf-8")
    return {f"exercises/{stub.name}": stub, f"exercises/{checker.name}": checker}


def files() -> dict[str, Path]:
    """Write every exercise and checker; return {site path: file on disk}."""
    written: dict[str, Path] = {}
    for exercise in specs():
        written.update(generate(exercise))
    return written


def try_it_yourself(exercise, page_src: str) -> str:
    """The block that ends a technique page (links relative to the page's Markdown source)."""
    up = "../" * page_src.count("/")
    mod = exercise.module
    return (
        "\n\n## Try it yourself { #try-it-yourself }\n\n"
        f"Implement {', '.join(f'`{name}`' for name in exercise.implement)} yourself and let the tests "
        f"grade it: download [the exercise, `exercise_{mod}.py`]({up}exercises/exercise_{mod}.py) and "
        f"[its checker, `check_{mod}.py`]({up}exercises/check_{mod}.py) into one folder, fill in the "
        "functions that raise `NotImplementedError`, and run (NumPy and pytest are all it needs):\n\n"
        f"```bash\npytest check_{mod}.py\n```\n\n"
        f"The checker tests the pitfalls above by name. The solution is the guide's own "
        f"[`snippets/{mod}.py`]({up}snippets/{mod}.py); all exercises, in a suggested order, are on "
        f"[Exercises]({up}exercises.md).\n"
    )


def exercises_table() -> str:
    rows = ["| # | exercise | implement | trains | page |", "|---|---|---|---|---|"]
    for number, exercise in enumerate(sorted(specs(), key=lambda e: e.order), start=1):
        mod = exercise.module
        rows.append(
            f"| {number} | [`exercise_{mod}.py`](exercises/exercise_{mod}.py), "
            f"[`check_{mod}.py`](exercises/check_{mod}.py) | "
            f"{', '.join(f'`{name}`' for name in exercise.implement)} | {exercise.concepts} | "
            f"[{exercise.title}]({exercise.page}#try-it-yourself) |")
    return "\n".join(rows)


def page_markdown(markdown: str, page_src: str) -> str:
    """exercises.md with its list; a technique page with an exercise with "Try it yourself" at its end."""
    src = page_src
    if src == "exercises.md":
        if LIST_MARKER not in markdown:
            raise BuildError(f"exercises.md has no {LIST_MARKER} for the list of exercises")
        return markdown.replace(LIST_MARKER, exercises_table())
    for exercise in specs():
        if exercise.page == src:
            return markdown.rstrip() + try_it_yourself(exercise, src)
    return markdown
