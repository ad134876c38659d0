"""Every notebook page offers, at its top, the notebook to take away: executed, as its source, on Binder.

1. The executed notebook. mkdocs-jupyter executes each example once to render its page; this hook keeps
   that very execution: the exporter's preprocessed notebook (the outputs the page shows) is written as
   ``<stem>.ipynb`` beside the page. It is cached next to the plugin's own cache entry
   (``.cache/mkdocs-jupyter/<key>.ipynb``, same key), so a cached page still has its notebook without a
   second run; a cache entry without its notebook is dropped, so the page executes again.
2. The downloads: the ``.ipynb``, the jupytext ``.py`` source (copied by the plugin's ``include_source``)
   and the snippet modules the notebook imports (published by docs/hooks/snippet_files.py). Saved as
   ``snippets/<name>.py`` next to the notebook, they are all it needs besides NumPy, matplotlib and
   scikit-learn.
3. "Launch on Binder" when ``repo_url`` names a GitHub or GitLab repository (none without ``repo_url``);
   Binder installs binder/requirements.txt.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import mkdocs_jupyter.convert as jupyter_convert
import mkdocs_jupyter.nbconvert2 as jupyter_nbconvert
import mkdocs_jupyter.plugin as jupyter_plugin
import nbformat
from mkdocs.exceptions import PluginError

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # the pipeline package

from pipeline import notebooks  # noqa: E402

_KEYS: dict[str, Path] = {}  # notebook source path -> where its executed notebook is cached
_EXECUTED: list = []  # the notebook the exporter just preprocessed (executed)


def _snippet_modules(notebook: Path) -> list[str]:
    return [path.stem for path in notebooks.snippet_dependencies(notebook)]


binder_url = notebooks.binder_url
downloads_block = notebooks.downloads_block


def _with_notebook(original):
    def compute_cache_key(nb_path, config, exec_nb):
        key = original(nb_path, config, exec_nb)
        cached = jupyter_plugin._get_cache_path(config["cache_dir"], key)
        executed = cached.with_suffix(".ipynb")
        if cached.exists() and not executed.exists():
            cached.unlink()  # a page cached before its notebook was kept: execute it again, once
        _KEYS[str(nb_path)] = executed
        return key

    compute_cache_key.with_notebook = True
    return compute_cache_key


class _KeepingExporter(jupyter_nbconvert.HTMLExporter):
    """mkdocs-jupyter's HTML exporter that also keeps the notebook it executed."""

    def _preprocess(self, nb, resources):
        nb, resources = super()._preprocess(nb, resources)
        _EXECUTED.append(copy.deepcopy(nb))
        return nb, resources


def _keeping_nb2html(original):
    def nb2html(nb_path, *args, **kwargs):
        _EXECUTED.clear()
        body = original(nb_path, *args, **kwargs)
        if len(_EXECUTED) != 1:
            raise PluginError(f"{nb_path}: expected one executed notebook, got {len(_EXECUTED)}")
        notebook = _EXECUTED.pop()
        notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                           "language": "python"}
        target = _KEYS.get(str(nb_path))
        if target is None:
            raise PluginError(f"{nb_path}: rendered without a cache key (is the plugin's cache on?)")
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.validate(notebook)
        target.write_text(nbformat.writes(notebook, version=4), encoding="utf-8")
        return body

    nb2html.keeps_notebook = True
    return nb2html


def on_config(config):
    for name in ("_compute_cache_key", "_get_cache_path"):
        if not hasattr(jupyter_plugin, name):
            raise PluginError(f"mkdocs-jupyter no longer has {name}: update docs/hooks/notebook_downloads.py")
    if not getattr(jupyter_plugin._compute_cache_key, "with_notebook", False):
        jupyter_plugin._compute_cache_key = _with_notebook(jupyter_plugin._compute_cache_key)
    if not getattr(jupyter_convert.nb2html, "keeps_notebook", False):
        jupyter_convert.nb2html = _keeping_nb2html(jupyter_convert.nb2html)
    jupyter_nbconvert.HTMLExporter = _KeepingExporter
    return config


def _is_notebook(page) -> bool:
    return page.file.src_uri.startswith("examples/") and page.file.src_uri.endswith(".py")


def on_page_content(content: str, page, config, files) -> str:
    if not _is_notebook(page):
        return content
    source = Path(page.file.abs_src_path)
    executed = _KEYS.get(str(page.file.abs_src_path))
    if executed is None or not executed.is_file():
        raise PluginError(f"{page.file.src_uri}: no executed notebook was kept (is execute: true?)")
    page_dir = Path(config["site_dir"]) / Path(page.file.dest_uri).parent
    page_dir.mkdir(parents=True, exist_ok=True)
    (page_dir / f"{source.stem}.ipynb").write_bytes(executed.read_bytes())
    binder = binder_url(config.repo_url, source.relative_to(ROOT).as_posix())
    return downloads_block(source.stem, _snippet_modules(source), binder) + content


def on_post_build(config):
    """Evict the kept notebooks whose page cache entry the plugin evicted (it runs before hooks)."""
    for path in {p.parent for p in _KEYS.values()}:
        for executed in path.glob("*.ipynb"):
            if not executed.with_suffix(".json").exists():
                executed.unlink()
