"""MkDocs adapter of the notebook_pages step (pipeline/notebook_pages.py): each built notebook
page pruned, its images written beside it."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)  # the pipeline package

from pipeline import notebook_pages  # noqa: E402


def on_post_page(output: str, page, config) -> str:
    page_dir = Path(config["site_dir"]) / page.file.dest_uri
    return notebook_pages.prune_page(output, page_dir.parent)
