"""MkDocs adapter of the catalogue step (pipeline/catalogue.py)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)  # the pipeline package

from pipeline import catalogue  # noqa: E402

_state: dict = {}


def on_config(config):
    _state.update(catalogue.prepare(config["nav"], config["docs_dir"]))
    return config


def on_page_markdown(markdown, page, config, files):
    return catalogue.page_markdown(markdown, page.file.src_uri, _state)
