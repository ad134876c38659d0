"""The build, in order: the one place that lists the steps and says when each runs.

    stage (before the engine)            engine                  finish (after the engine)
    docs/ -> staged docs tree            Markdown -> HTML        each built page, in place
    -------------------------            ----------------        --------------------------
    1. figures        files              mkdocs / properdocs     1. mathjax       typeset math
    2. snippet_files  files              (or zensical, which     2. page_fixes    a11y, lazy figures,
    3. exercises      files + Markdown    reads the staged                        no notebook MathJax
    4. mathjax        files (fonts)       tree)                  3. notebook_pages  pruned CSS, images
    5. catalogue      Markdown                                                    as files
    6. corrections    Markdown
    7. benchmarks     Markdown

A *file* step returns {site path: file on disk}; a *Markdown* step turns one page's Markdown into the
Markdown the engine reads; a *page* step turns one built page's HTML into the published HTML. The order
is the order of the hooks in mkdocs.yml, which call the same functions at the matching MkDocs events
(``on_files``, ``on_page_markdown``, ``on_post_page``), so both routes give the same output.

The worked examples: under MkDocs mkdocs-jupyter executes and renders them (docs/hooks/notebooks.py and
notebook_downloads.py adapt it); for another engine ``pipeline.notebooks.stage_pages`` executes them
(cached) and stages each as a page (pipeline/zensical.py calls it after the stage steps). Only MkDocs
has the search-index marks (docs/hooks/search_index.py) and the repository link (docs/hooks/repository.py).

Command line (run from the repository, with the site extra installed; no engine needed)::

    python -m pipeline list                  the steps in order
    python -m pipeline stage OUT             copy docs/ to OUT and run every stage step on it
    python -m pipeline <stage step> OUT      one stage step on an already staged tree
    python -m pipeline finish SITE           every finish step on the built site SITE
    python -m pipeline <finish step> SITE    one finish step
    python -m pipeline zensical SITE         stage, zensical build, finish (pipeline/zensical.py)
"""

from __future__ import annotations

import fnmatch
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipeline import DOCS, ROOT, relative_url

# What the engine must not publish (mkdocs.yml's exclude_docs says the same to MkDocs).
EXCLUDED = ("hooks", "__pycache__")
EXCLUDED_FILES = ("figures/*.py", "resources.yml", "corrections.yml")


@dataclass(frozen=True)
class Step:
    name: str
    doc: str
    files: Callable[[], dict[str, Path]] | None = None
    markdown: Callable[[str, str, dict], str] | None = None  # (markdown, page src, build context)
    page: Callable[[str, Path, Path], str] | None = None  # (html, site dir, page file)


def _config(config_file: Path = ROOT / "mkdocs.yml") -> dict:
    """mkdocs.yml as plain YAML; ``!ENV [NAME, default]`` reads the environment, as MkDocs does."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    def env(loader, node):
        names = [loader.construct_scalar(node)] if isinstance(node, yaml.ScalarNode) else \
            loader.construct_sequence(node)
        for name in names[:-1] if len(names) > 1 else names:
            if name in os.environ:
                return os.environ[name]
        return names[-1] if len(names) > 1 else None

    Loader.add_constructor("!ENV", env)
    return yaml.load(config_file.read_text(encoding="utf-8"), Loader=Loader)


def _context(docs_dir: Path, names: set[str]) -> dict:
    """What the Markdown steps ``names`` read once per build (the catalogue, the corrections log)."""
    from pipeline import catalogue, corrections

    config = _config()
    context = {}
    if "catalogue" in names:
        context["catalogue"] = catalogue.prepare(config["nav"], docs_dir)
    if "corrections" in names:
        context["corrections"] = corrections.prepare(docs_dir, config.get("repo_url"))
    return context


def _files(module: str):
    def files():
        import importlib

        return importlib.import_module(f"pipeline.{module}").files()
    return files


def _exercises_md(markdown, src, context):
    from pipeline import exercises
    return exercises.page_markdown(markdown, src)


def _catalogue_md(markdown, src, context):
    from pipeline import catalogue
    return catalogue.page_markdown(markdown, src, context["catalogue"])


def _corrections_md(markdown, src, context):
    from pipeline import corrections
    return corrections.page_markdown(markdown, src, context["corrections"])


def _benchmarks_md(markdown, src, context):
    from pipeline import benchmarks
    return benchmarks.page_markdown(markdown, src)


def _page_url(site: Path, page: Path) -> str:
    rel = page.relative_to(site).as_posix()
    return rel.removesuffix("index.html") if rel.endswith("index.html") else rel


def _mathjax_page(html, site, page):
    from pipeline import mathjax
    return mathjax.typeset_page(html, _page_url(site, page), page.relative_to(site).as_posix())


def _fixes_page(html, site, page):
    from pipeline import page_fixes
    return page_fixes.fix_page(html)


def _notebook_page(html, site, page):
    from pipeline import notebook_pages
    return notebook_pages.prune_page(html, page.parent)


STAGE = (
    Step("figures", "draw every figure (light and dark SVG), cached", files=_files("figures")),
    Step("snippet_files", "publish each snippet module as snippets/<name>.py", files=_files("snippet_files")),
    Step("exercises", "exercise stubs and checkers; the exercise list and 'Try it yourself'",
         files=_files("exercises"), markdown=_exercises_md),
    Step("mathjax", "MathJax's fonts (the math itself is typeset after the engine)", files=_files("mathjax")),
    Step("catalogue", "further reading, named resources and the Library from docs/resources.yml",
         markdown=_catalogue_md),
    Step("corrections", "the corrections table from docs/corrections.yml", markdown=_corrections_md),
    Step("benchmarks", "the performance tables from docs/data/bench.json", markdown=_benchmarks_md),
)
FINISH = (
    Step("mathjax", "typeset each page's math (MathJax 3 in V8), with its glyph CSS", page=_mathjax_page),
    Step("page_fixes", "name the search dialog, lazy figures, drop notebook MathJax", page=_fixes_page),
    Step("notebook_pages", "prune notebook pages' CSS, output images as files", page=_notebook_page),
)


def copy_docs(out: Path, docs: Path = DOCS) -> None:
    """``docs/`` into ``out`` without what the engine must not publish."""
    def ignore(directory, names):
        rel = Path(directory).relative_to(docs).as_posix()
        skip = {n for n in names if n in EXCLUDED}
        skip |= {n for n in names if any(fnmatch.fnmatch(f"{rel}/{n}".removeprefix("./"), pattern)
                                         for pattern in EXCLUDED_FILES)}
        return skip

    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(docs, out, ignore=ignore)


def run_stage(steps, out: Path) -> None:
    """Run stage ``steps`` on the staged tree ``out``: files copied in, then each page's Markdown."""
    for step in steps:
        if step.files:
            for site_path, path in step.files().items():
                target = out / site_path
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
    markdown_steps = [s for s in steps if s.markdown]
    if not markdown_steps:
        return
    context = _context(out, {s.name for s in markdown_steps})
    for page in sorted(out.rglob("*.md")):
        src = page.relative_to(out).as_posix()
        text = original = page.read_text(encoding="utf-8")
        for step in markdown_steps:
            text = step.markdown(text, src, context)
        if text != original:
            page.write_text(text, encoding="utf-8")


def run_finish(steps, site: Path) -> None:
    """Run finish ``steps`` on every HTML page of the built site ``site``, in place."""
    for page in sorted(site.rglob("*.html")):
        text = original = page.read_text(encoding="utf-8")
        for step in steps:
            text = step.page(text, site, page)
        if text != original:
            page.write_text(text, encoding="utf-8")
    from pipeline import mathjax
    mathjax.close()


def describe() -> str:
    lines = ["stage (before the engine, on a staged docs tree):"]
    lines += [f"  {i}. {s.name:<15} {s.doc}" for i, s in enumerate(STAGE, 1)]
    lines += ["finish (after the engine, on the built site):"]
    lines += [f"  {i}. {s.name:<15} {s.doc}" for i, s in enumerate(FINISH, 1)]
    return "\n".join(lines)


__all__ = ["STAGE", "FINISH", "Step", "copy_docs", "run_stage", "run_finish", "describe", "relative_url"]
