"""Every snippet module stands alone: NumPy and the standard library only, runnable when copied."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SNIPPETS = sorted(p for p in (Path(__file__).resolve().parents[1] / "snippets").glob("*.py")
                  if p.name != "__init__.py")
ALLOWED = {"numpy", "__future__"} | set(sys.stdlib_module_names)


def test_there_are_snippets():
    assert len(SNIPPETS) >= 1


@pytest.mark.parametrize("path", SNIPPETS, ids=lambda p: p.stem)
def test_imports_only_numpy_and_the_standard_library(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path.name}:{node.lineno} uses a relative import"
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            assert name.split(".")[0] in ALLOWED, f"{path.name}:{node.lineno} imports {name}"


@pytest.mark.parametrize("path", SNIPPETS, ids=lambda p: p.stem)
def test_module_runs_when_copied_alone(path, tmp_path):
    (tmp_path / path.name).write_bytes(path.read_bytes())
    public = "[n for n in dir(m) if not n.startswith('_') and callable(getattr(m, n))]"
    code = f"import {path.stem} as m; names = {public}; assert names, 'no public function'; print(names)"
    result = subprocess.run(
        [sys.executable, "-E", "-s", "-c", code], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
