"""MkDocs adapter of the figures step (pipeline/figures.py): the drawn SVGs become site files."""

from __future__ import annotations

import sys
from pathlib import Path

from mkdocs.structure.files import File, Files

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)  # the pipeline package

from pipeline import figures  # noqa: E402


def on_files(files: Files, config) -> Files:
    for site_path, svg in figures.files().items():
        files.append(File.generated(config, site_path, abs_src_path=str(svg)))
    return files
