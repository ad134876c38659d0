"""MkDocs adapter of the math step (pipeline/mathjax.py): MathJax's fonts become site files, and each
built page is typeset; the V8 that typesets closes when the build ends."""

from __future__ import annotations

import sys
from pathlib import Path

from mkdocs.structure.files import File, Files

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)  # the pipeline package

from pipeline import mathjax  # noqa: E402


def on_files(files: Files, config) -> Files:
    for site_path, path in mathjax.files().items():
        files.append(File.generated(config, site_path, abs_src_path=str(path)))
    return files


def on_post_page(output: str, page, config) -> str:
    return mathjax.typeset_page(output, page.url, page.file.src_uri)


def on_shutdown() -> None:
    mathjax.close()
