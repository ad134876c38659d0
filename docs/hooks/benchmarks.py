"""MkDocs adapter of the benchmark-tables step (pipeline/benchmarks.py)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)  # the pipeline package

from pipeline import benchmarks  # noqa: E402


def on_page_markdown(markdown, page, config, files):
    return benchmarks.page_markdown(markdown, page.file.src_uri)
