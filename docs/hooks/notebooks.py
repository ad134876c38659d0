"""Worked-example notebooks (docs/examples/*.py): a correct execution cache and a fast kernel.

1. mkdocs-jupyter caches each executed notebook under ``.cache/mkdocs-jupyter``, keyed by the notebook's
   own bytes and the plugin's options only. An example imports snippets, so a changed snippet must
   execute it again (a regression must fail the strict build, not hide behind the cache): the key is
   extended with the bytes of every ``snippets/<name>.py`` the notebook imports. An unchanged notebook
   whose snippets are unchanged is still served from the cache, and stale entries are evicted by the
   plugin after the build as before.
2. The examples multiply small matrices. A multi-threaded BLAS spends more time synchronizing its threads
   than computing on them (several times slower on a loaded 2-core machine), so the kernels the plugin
   starts inherit one BLAS thread per process. This only changes speed: each output element is computed
   by one thread either way.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import mkdocs_jupyter.plugin as jupyter_plugin

ROOT = Path(__file__).resolve().parents[2]
SNIPPETS = ROOT / "snippets"
IMPORT = re.compile(r"^\s*(?:from|import)\s+snippets\.(\w+)", re.MULTILINE)
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def snippet_dependencies(notebook: Path) -> list[Path]:
    """The snippet modules a notebook imports, sorted by name."""
    names = sorted(set(IMPORT.findall(notebook.read_text(encoding="utf-8"))))
    return [SNIPPETS / f"{name}.py" for name in names]


def _with_snippets(original):
    def compute_cache_key(nb_path, config, exec_nb):
        hasher = hashlib.sha256(original(nb_path, config, exec_nb).encode())
        for path in snippet_dependencies(Path(nb_path)):
            hasher.update(path.name.encode())
            hasher.update(path.read_bytes())  # a missing snippet raises: the build fails, as it should
        return hasher.hexdigest()

    compute_cache_key.with_snippets = True
    return compute_cache_key


def on_config(config):
    key = getattr(jupyter_plugin, "_compute_cache_key", None)
    if key is None:
        raise RuntimeError("mkdocs-jupyter no longer has _compute_cache_key: update docs/hooks/notebooks.py")
    if not getattr(key, "with_snippets", False):  # `mkdocs serve` reloads hooks: wrap only once
        jupyter_plugin._compute_cache_key = _with_snippets(key)
    for name in THREAD_VARIABLES:
        os.environ.setdefault(name, "1")
    return config
