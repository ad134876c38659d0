"""MkDocs adapter of the exercises step (pipeline/exercises.py): the generated exercise and checker files
become site files, exercises.md gets its list and each technique page its "Try it yourself"."""

from __future__ import annotations

import sys
from pathlib import Path

from mkdocs.structure.files import File, Files

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)  # the pipeline package

from pipeline import exercises  # noqa: E402


def on_files(files: Files, config) -> Files:
    for site_path, path in exercises.files().items():
        files.append(File.generated(config, site_path, abs_src_path=str(path)))
    return files


def on_page_markdown(markdown: str, page, config, files) -> str:
    return exercises.page_markdown(markdown, page.file.src_uri)
