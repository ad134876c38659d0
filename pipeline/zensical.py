"""The site built by Zensical through the same pipeline: stage, ``zensical build``, finish.

Zensical (0.0.73, the newest release installable here: 0.1.x needs a ``zensical-ui`` package the
registry does not carry) reads ``mkdocs.yml`` but ignores MkDocs hooks and the plugins it does not
implement. So the stage steps write the figures, snippet files, exercises, MathJax fonts and rendered
Markdown into a staged tree (``.cache/zensical/docs``), Zensical builds it with a copy of ``mkdocs.yml``
that points at it, and the finish steps typeset the math and fix the pages of the built site.

Zensical refuses a ``docs_dir`` outside the folder of its configuration file (it panics), hence the
configuration beside the staged tree, with the snippets' base path and the theme overrides made absolute.

The notebooks are executed and staged as pages by ``pipeline.notebooks.stage_pages`` (nav entries
renamed to match). tests/site/test_engines.py compares the result with the MkDocs build; the search index
is Zensical's own (``search.json``, without the marks of docs/hooks/search_index.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from pipeline import ROOT, BuildError, notebooks
from pipeline.steps import FINISH, STAGE, copy_docs, run_finish, run_stage

VERSION = "0.0.73"
WORK = ROOT / ".cache" / "zensical"


def write_config(work: Path = WORK, renamed: dict[str, str] | None = None) -> Path:
    """mkdocs.yml for the staged tree ``work/docs`` (nav entries ``renamed``); returns its path."""
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    replacements = {
        "site_name: Deep Learning Field Guide\n": "site_name: Deep Learning Field Guide\ndocs_dir: docs\n"
                                                  "site_dir: site\n",
        'base_path: ["."]': f'base_path: ["{ROOT.as_posix()}"]',
        "custom_dir: overrides": f"custom_dir: {(ROOT / 'overrides').as_posix()}",
    }
    for old, new in replacements.items():
        if old not in text:
            raise BuildError(f"mkdocs.yml no longer has {old.strip()!r}: update pipeline/zensical.py")
        text = text.replace(old, new, 1)
    for old, new in (renamed or {}).items():
        text = text.replace(f": {old}\n", f": {new}\n")
    config = work / "mkdocs.yml"
    config.write_text(text, encoding="utf-8")
    return config


def zensical_command() -> list[str]:
    """``zensical`` from ZENSICAL (a path), else beside this Python, else on PATH."""
    explicit = os.environ.get("ZENSICAL")
    if explicit:
        return [explicit]
    beside = Path(sys.executable).with_name("zensical")
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("zensical")
    if found is None:
        raise BuildError(f"zensical not found: pip install zensical=={VERSION} (or set ZENSICAL)")
    return [found]


def build(site_dir: Path, work: Path = WORK) -> None:
    """The whole site into ``site_dir``: stage steps, Zensical, finish steps."""
    work.mkdir(parents=True, exist_ok=True)
    copy_docs(work / "docs")
    run_stage(STAGE, work / "docs")
    repo_url = os.environ.get("REPO_URL") or None
    config = write_config(work, notebooks.stage_pages(work / "docs", repo_url))
    shutil.rmtree(work / "site", ignore_errors=True)
    result = subprocess.run([*zensical_command(), "build", "--strict", "-f", str(config)], cwd=work,
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise BuildError(f"zensical build failed:\n{result.stdout}{result.stderr}")
    site_dir = Path(site_dir)
    shutil.rmtree(site_dir, ignore_errors=True)
    shutil.move(work / "site", site_dir)
    run_finish(FINISH, site_dir)
