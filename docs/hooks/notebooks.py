"""MkDocs adapter of the notebook step (pipeline/notebooks.py) for mkdocs-jupyter: its execution cache
key covers the snippets a notebook imports, and its kernels run with one BLAS thread.

mkdocs-jupyter caches each executed notebook under ``.cache/mkdocs-jupyter``, keyed by the notebook's own
bytes and the plugin's options only; ``pipeline.notebooks.cache_key`` extends that key. An unchanged
notebook whose snippets are unchanged is still served from the cache, and stale entries are evicted by
the plugin after the build as before.
"""

from __future__ import annotations

import sys
from pathlib import Path

import mkdocs_jupyter.plugin as jupyter_plugin

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)  # the pipeline package

from pipeline import notebooks  # noqa: E402

snippet_dependencies = notebooks.snippet_dependencies


def _with_snippets(original):
    def compute_cache_key(nb_path, config, exec_nb):
        return notebooks.cache_key(original(nb_path, config, exec_nb), Path(nb_path))

    compute_cache_key.with_snippets = True
    return compute_cache_key


def on_config(config):
    key = getattr(jupyter_plugin, "_compute_cache_key", None)
    if key is None:
        raise RuntimeError("mkdocs-jupyter no longer has _compute_cache_key: update docs/hooks/notebooks.py")
    if not getattr(key, "with_snippets", False):  # `mkdocs serve` reloads hooks: wrap only once
        jupyter_plugin._compute_cache_key = _with_snippets(key)
    notebooks.single_thread_blas()
    return config
