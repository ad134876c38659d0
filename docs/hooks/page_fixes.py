"""MkDocs adapter of the page_fixes step (pipeline/page_fixes.py): each built page fixed."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)  # the pipeline package

from pipeline import page_fixes  # noqa: E402


def on_post_page(output: str, page, config) -> str:
    return page_fixes.fix_page(output)
