"""Publish every snippet module as a downloadable file at ``snippets/<name>.py`` on the site.

Pages link to the whole file (``[snippets/dropout.py](../snippets/dropout.py)``) so a reader can take
the module with its argument checks, not only the embedded sections.
"""

from __future__ import annotations

from pathlib import Path

from pipeline import ROOT


def files() -> dict[str, Path]:
    """{site path: file on disk} of every snippet module."""
    return {f"snippets/{path.name}": path for path in sorted((ROOT / "snippets").glob("*.py"))
            if path.name != "__init__.py"}
