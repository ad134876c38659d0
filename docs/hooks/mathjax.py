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
# The pages load MathJax by components (javascripts/mathjax-config.js): the same TeX input, CommonHTML
# output and assistive MathML as tex-chtml.js, without its 108 KB (gzipped) context menu.
PARTS += ("startup.js", "core.js", "input/tex.js", "output/chtml.js", "output/chtml/fonts/tex.js",
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
    return files
