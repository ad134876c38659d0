"""MkDocs adapter of the search_index step (pipeline/search_index.py): each page's content marked
before the search plugin indexes it."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)  # the pipeline package

from pipeline import search_index  # noqa: E402


def on_page_content(html: str, page, config, files) -> str:
    return search_index.exclude_from_search(html)
