"""The site's build steps, independent of the engine that turns Markdown into HTML.

Each step is a plain function with a plain command (``python -m pipeline <step>``); ``steps.py`` lists
them in order. Steps that *produce* sources (figures, snippet files, exercise files, MathJax fonts, the
Markdown that the catalogue, corrections, benchmark and exercise markers stand for) run before the
engine; steps that *transform* HTML (math typesetting, page fixes, notebook-page pruning) run after it
on each built page. The MkDocs hooks in ``docs/hooks/`` are thin adapters that call these functions
at the matching MkDocs events, so ``mkdocs build`` and ``python -m pipeline`` produce the same output.

The package imports neither MkDocs nor any other engine. It is a package at the repository's top, not
under ``docs/``: an engine would otherwise publish its sources, and it is imported, not loaded by path.
"""

from __future__ import annotations

import posixpath
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

try:  # under MkDocs (or ProperDocs) a failed step is a PluginError, which --strict reports cleanly
    from mkdocs.exceptions import PluginError as _Base
except ImportError:  # another engine: a plain exception
    _Base = Exception


class BuildError(_Base):
    """A build step failed; the message names the file and what is wrong."""


def relative_url(url: str, other: str) -> str:
    """``url`` relative to ``other`` (both site-relative, slash-separated), as MkDocs'
    ``utils.get_relative_url`` computes it: the last part of ``other`` is a file when it has a dot."""
    dirname, _, basename = other.rpartition("/")
    if "." in basename:
        other = dirname
    other_parts, dest_parts = _norm_parts(other), _norm_parts(url)
    common = 0
    for a, b in zip(other_parts, dest_parts, strict=False):
        if a != b:
            break
        common += 1
    rel = "/".join([".."] * (len(other_parts) - common) + dest_parts[common:]) or "."
    return rel + "/" if url.endswith("/") else rel


def _norm_parts(path: str) -> list[str]:
    if not path.startswith("/"):
        path = "/" + path
    path = posixpath.normpath(path)[1:]
    return path.split("/") if path else []
