"""Draw the site's figures at build time from the snippets' own code.

Every ``docs/figures/<topic>.py`` defines functions ``figure_<name>(style)`` that return a
matplotlib Figure. Each is drawn twice, with the light and the dark style of ``_style.py``, to
``figures/<name>-light.svg`` and ``figures/<name>-dark.svg``; pages show the pair with Material's
``#only-light`` / ``#only-dark`` suffixes, so the figure follows the reader's theme.

Results are cached under ``.cache/figures`` keyed by the source of the figure module, the style and
every snippet module, so an unchanged figure is not drawn again.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import sys
from pathlib import Path

from pipeline import ROOT, BuildError

FIGURE_DIR = ROOT / "docs" / "figures"
CACHE_DIR = ROOT / ".cache" / "figures"
VARIANTS = ("light", "dark")
VERSION = "1"  # bump to invalidate every cached figure


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(f"_figures_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _key(path: Path) -> str:
    import matplotlib

    digest = hashlib.sha256(f"{VERSION}{matplotlib.__version__}".encode())
    for source in [path, FIGURE_DIR / "_style.py", *sorted((ROOT / "snippets").glob("*.py"))]:
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def draw_all() -> dict[str, Path]:
    """Draw (or take from the cache) every figure; return {site path: file on disk}."""
    import matplotlib

    matplotlib.use("Agg")
    for path in (str(ROOT), str(FIGURE_DIR)):
        if path not in sys.path:
            sys.path.insert(0, path)
    style = _load(FIGURE_DIR / "_style.py")
    drawn: dict[str, Path] = {}
    for script in sorted(FIGURE_DIR.glob("[!_]*.py")):
        cache = CACHE_DIR / f"{script.stem}-{_key(script)}"
        if not cache.is_dir():
            module = _load(script)
            makers = {n[len("figure_"):]: f for n, f in vars(module).items()
                      if n.startswith("figure_") and callable(f)}
            if not makers:
                raise BuildError(f"{script} defines no figure_<name>(style) function")
            tmp = cache.with_name(f"{cache.name}.tmp{os.getpid()}")
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
            for name, make in makers.items():
                for variant in VARIANTS:
                    look = style.STYLES[variant]
                    try:
                        with style.context(look):
                            style.save(make(look), tmp / f"{name.replace('_', '-')}-{variant}.svg")
                    except Exception as err:  # name the figure that failed
                        raise BuildError(f"figure {name!r} of {script.name} failed: {err!r}") from err
            try:
                tmp.rename(cache)
            except OSError:  # another build drew the same figures at the same time
                shutil.rmtree(tmp, ignore_errors=True)
        for svg in sorted(cache.glob("*.svg")):
            site_path = f"figures/{svg.name}"
            if site_path in drawn:
                raise BuildError(f"figure name {svg.stem} is defined twice ({script.name})")
            drawn[site_path] = svg
    return drawn


def files() -> dict[str, Path]:
    """{site path: file on disk} of every figure (drawn now or taken from the cache)."""
    return draw_all()
