"""Publish every snippet module as a downloadable file at ``snippets/<name>.py`` on the site.

Pages link to the whole file (``[snippets/dropout.py](../snippets/dropout.py)``) so a reader can take
the module with its argument checks, not only the embedded sections.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[2]


def on_files(files: Files, config) -> Files:
    for path in sorted((ROOT / "snippets").glob("*.py")):
        if path.name != "__init__.py":
            files.append(File.generated(config, f"snippets/{path.name}", abs_src_path=str(path)))
    return files
