"""Project-wide conventions that no single module's tests would notice.

- every public snippet function is called inside a ``pytest.raises`` block somewhere in tests/
  (each has at least one bad-input test);
- every public snippet function has a NumPy-style docstring;
- every technique page (a page that embeds a snippet) follows the page template.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODULES = sorted(p.stem for p in (ROOT / "snippets").glob("*.py") if p.name != "__init__.py")
TEMPLATE_IDS = ["in-short", "math", "code", "figure", "pitfalls", "verified", "from-the-notes",
                "further-reading"]


def _public_functions(module_name):
    module = importlib.import_module(f"snippets.{module_name}")
    return {name: fn for name, fn in vars(module).items()
            if inspect.isfunction(fn) and not name.startswith("_") and fn.__module__ == module.__name__}


def _names_called_under_raises():
    called = set()
    for path in ROOT.joinpath("tests").rglob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.With):
                continue
            if not any("raises" in ast.unparse(item.context_expr) for item in node.items):
                continue
            for inner in ast.walk(node):
                if isinstance(inner, ast.Call):
                    func = inner.func
                    called.add(func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", ""))
                elif isinstance(inner, ast.Name):  # functions passed around, e.g. parametrized
                    called.add(inner.id)
    return called


CALLED_UNDER_RAISES = _names_called_under_raises()


@pytest.mark.parametrize("module_name", MODULES)
def test_every_public_function_has_a_bad_input_test(module_name):
    missing = sorted(set(_public_functions(module_name)) - CALLED_UNDER_RAISES)
    assert not missing, f"no pytest.raises test calls {missing} of snippets/{module_name}.py"


@pytest.mark.parametrize("module_name", MODULES)
def test_every_public_function_has_a_numpy_style_docstring(module_name):
    for name, fn in _public_functions(module_name).items():
        doc = inspect.getdoc(fn) or ""
        assert doc, f"{module_name}.{name} has no docstring"
        if inspect.signature(fn).parameters:
            assert "Parameters" in doc or "Returns" in doc, f"{module_name}.{name}: NumPy-style sections"


def _technique_pages():
    pages = []
    for path in sorted((ROOT / "docs").rglob("*.md")):
        if '--8<-- "snippets/' in path.read_text(encoding="utf-8"):
            pages.append(path)
    return pages


@pytest.mark.parametrize("page", _technique_pages(), ids=lambda p: str(p.relative_to(ROOT / "docs")))
def test_technique_pages_follow_the_template(page):
    text = page.read_text(encoding="utf-8")
    ids = re.findall(r"^## .*\{ *#([\w-]+) *\}", text, flags=re.MULTILINE)
    assert ids == [i for i in TEMPLATE_IDS if i in ids], f"sections out of order: {ids}"
    missing = [i for i in TEMPLATE_IDS if i not in ids]
    assert not missing, f"{page.name} lacks sections {missing}"
    assert "#only-light" in text and "#only-dark" in text, "figure in light and dark variants"


def _test_function_names():
    names = set()
    for path in ROOT.joinpath("tests").rglob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                names.add(node.name)
    return names


TEST_NAMES = _test_function_names()


@pytest.mark.parametrize("page", sorted((ROOT / "docs").rglob("*.md")),
                         ids=lambda p: str(p.relative_to(ROOT / "docs")))
def test_every_test_a_page_cites_exists(page):
    """A page that names a test as its evidence ("Regression test: `test_...`") names a real one."""
    cited = set(re.findall(r"`(?:[\w/]+\.py::)?(test_\w+)`", page.read_text(encoding="utf-8")))
    missing = sorted(cited - TEST_NAMES)
    assert not missing, f"{page.name} cites tests that do not exist: {missing}"
