"""Warm-up of mutmut's fork server (``make mutate``); not a test module, pytest does not collect it.

pyproject.toml ``[tool.mutmut]`` has the fork server import this module once (``forkserver_warmup =
"import"``, ``preload_modules_file = "tests/mutmut_preload.txt"``) before it forks one worker per mutant.
Every worker then starts with torch, pytest, hypothesis and the test modules already imported, instead of
paying seconds of imports per mutant. ``gc.freeze()`` at the end moves these objects out of the garbage
collector's reach: pytest calls ``gc.collect()`` at the end of every session, and scanning torch's objects
took about a second per worker. Importing torch, without running it, is fork-safe.
"""

import gc
import importlib
from pathlib import Path

import hypothesis  # noqa: F401
import numpy  # noqa: F401
import pytest  # noqa: F401
import torch  # noqa: F401
import torch._dynamo  # noqa: F401  (imported by the first optimizer step: seconds)
import torch.nn.functional  # noqa: F401
import torch.optim  # noqa: F401

import tests.conftest  # noqa: F401

HERE = Path(__file__).resolve().parent

for snippet in sorted((HERE.parent / "snippets").glob("*.py")):
    for module in (f"tests.test_{snippet.stem}", f"tests.oracle.test_{snippet.stem}_vs_torch"):
        try:
            importlib.import_module(module)
        except Exception:  # a missing or broken test module is pytest's to report, not the warm-up's
            pass

gc.freeze()
