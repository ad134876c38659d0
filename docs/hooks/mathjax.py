"""Serve MathJax 3 from the site itself, so math renders with no request to a third-party host.

The files come from the PyPI package django-static-mathjax (MathJax 3.2.2, es5 build; it has no
dependencies and Django is not needed). Only what ``tex-chtml.js`` loads is copied: the combined
TeX-to-CommonHTML component, its woff2 fonts, the TeX extensions that ``autoload`` may pull in, and
the context menu.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

DEST = "assets/mathjax"
PARTS = ("tex-chtml.js", "output/chtml/fonts/woff-v2", "input/tex/extensions", "ui")
# What the pages load (docs/hooks/page_fixes.py, javascripts/mathjax-config.js): tex-chtml.js without
# its context menu (108 of its 264 KB gzipped), as one file so that it runs as a plain script, before
# the first paint, like tex-chtml.js. The same components in the same roles: startup first (it only
# starts MathJax once this script has run, since nothing is left for its loader to load), then what
# they register with it: TeX input (with tex-chtml.js's packages), CommonHTML output and its font, and
# the hidden MathML that screen readers read.
COMBINED = "tex-chtml-nomenu.js"
COMBINED_PARTS = ("startup.js", "core.js", "input/tex.js", "output/chtml.js", "output/chtml/fonts/tex.js",
                  "a11y/assistive-mml.js")


def _es5_dir() -> Path:
    spec = importlib.util.find_spec("mathjax")
    if spec is None or not spec.submodule_search_locations:
        raise PluginError("MathJax files not found: install the site extra (pip install -e '.[site]')")
    es5 = Path(next(iter(spec.submodule_search_locations))) / "static" / "mathjax" / "es5"
    if not (es5 / "tex-chtml.js").is_file():
        raise PluginError(f"MathJax package found but {es5 / 'tex-chtml.js'} is missing")
    return es5


def on_files(files: Files, config) -> Files:
    es5 = _es5_dir()
    for part in PARTS:
        source = es5 / part
        paths = [source] if source.is_file() else sorted(p for p in source.rglob("*") if p.is_file())
        for path in paths:
            rel = path.relative_to(es5).as_posix()
            files.append(
                File.generated(config, f"{DEST}/{rel}", abs_src_path=str(path))
            )
    combined = "\n".join((es5 / part).read_text(encoding="utf-8") for part in COMBINED_PARTS)
    files.append(File.generated(config, f"{DEST}/{COMBINED}", content=combined))
    return files
