"""Notebooks to take away (docs/hooks/notebook_downloads.py): each notebook page offers the executed
``.ipynb`` of the build, its ``.py`` source, the snippet files it imports and, with a repository, Binder.

The built-site tests re-execute every downloaded notebook with nbclient from a folder holding only that
notebook and the snippet files its page links (two notebooks at a time: the machine has two cores).
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from mkdocs.exceptions import PluginError

from tests.helpers import load_module

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "docs" / "examples").glob("*.py"))
hook = load_module("docs/hooks/notebook_downloads.py", "notebook_downloads_hook")


# ------------------------------------------------------------------------------------------ offline


@pytest.mark.parametrize("repo_url, expected", [
    ("https://github.com/example/dl-field-guide",
     "https://mybinder.org/v2/gh/example/dl-field-guide/HEAD?labpath=docs%2Fexamples%2Fdigits.py"),
    ("https://github.com/example/dl-field-guide.git/",
     "https://mybinder.org/v2/gh/example/dl-field-guide/HEAD?labpath=docs%2Fexamples%2Fdigits.py"),
    ("https://gitlab.com/example/dl-field-guide",
     "https://mybinder.org/v2/gl/example%2Fdl-field-guide/HEAD?labpath=docs%2Fexamples%2Fdigits.py"),
    (None, None),
    ("", None),
])
def test_binder_link_opens_the_notebook_of_the_repository_and_is_absent_without_one(repo_url, expected):
    assert hook.binder_url(repo_url, "docs/examples/digits.py") == expected


@pytest.mark.parametrize("repo_url", ["https://example.org/a/b", "http://github.com/a/b",
                                      "https://github.com/only-owner"])
def test_binder_link_refuses_a_repository_it_cannot_launch(repo_url):
    with pytest.raises(PluginError, match="repo_url"):
        hook.binder_url(repo_url, "docs/examples/digits.py")


def test_downloads_block_links_the_notebook_the_source_the_snippets_and_binder_only_when_given():
    block = hook.downloads_block("digits", ["l2", "mlp"], None)
    assert 'href="digits.ipynb" download' in block and 'href="digits.py" download' in block
    assert 'href="../../snippets/l2.py"' in block and 'href="../../snippets/mlp.py"' in block
    assert "Binder" not in block
    assert 'href="https://mybinder.org/x"' in hook.downloads_block("digits", ["l2"], "https://mybinder.org/x")


def _requirement(line: str) -> tuple[str, str]:
    name, spec = re.match(r"([A-Za-z0-9_.-]+)\s*(.*)", line).groups()
    return name.lower(), spec.replace(" ", "")


def test_binder_environment_installs_exactly_what_the_notebooks_need_pinned_as_the_project_pins():
    lines = [line.strip() for line in (ROOT / "binder/requirements.txt").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    binder = dict(_requirement(line) for line in lines)
    assert set(binder) == {"numpy", "matplotlib", "scikit-learn", "jupytext"}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pinned = dict(_requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["site"])
    assert binder == {name: pinned[name] for name in binder}
    start = (ROOT / "binder/start").read_text()
    assert os.access(ROOT / "binder/start", os.X_OK) and 'exec "$@"' in start and "PYTHONPATH" in start


def test_make_lab_opens_the_examples_in_jupyterlab_from_the_lab_extra():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r'^\$\(VENV\)/\.lab:.*\n\t\$\(BIN\)/pip install --quiet -e "\.\[site,lab\]"', makefile,
                     re.MULTILINE)
    assert re.search(r"^lab: \$\(VENV\)/\.lab\n\t\$\(BIN\)/jupyter lab .*docs/examples", makefile,
                     re.MULTILINE)
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert [r.split(">")[0] for r in extras["lab"]] == ["jupyterlab"]


def test_examples_are_paired_with_notebooks_outside_git():
    from jupytext.config import load_jupytext_configuration_file
    from jupytext.paired_paths import long_form_multiple_formats, paired_paths

    config = load_jupytext_configuration_file(str(ROOT / "jupytext.toml"))
    raw = config.formats if isinstance(config.formats, str) else ",".join(config.formats)
    formats = long_form_multiple_formats(raw)
    paths = [p for p, _ in paired_paths(str(ROOT / "docs/examples/digits.py"), formats[0], formats)]
    assert paths == [str(ROOT / "docs/examples/digits.py"), str(ROOT / "lab/digits.ipynb")]
    assert "/lab/" in (ROOT / ".gitignore").read_text().splitlines()
    assert not list((ROOT / "docs").rglob("*.ipynb")), "notebooks are committed as jupytext .py only"


# ---------------------------------------------------------------------------------------- built site


def _page(built_site, stem):
    return (built_site / "examples" / stem / "index.html").read_text(encoding="utf-8")


def _block(html):
    match = re.search(r'<div class="admonition note notebook-downloads".*?</div>', html, re.S)
    assert match, "no download block"
    return match.group(0)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_notebook_page_offers_its_downloads_at_the_top(built_site, path):
    html = _page(built_site, path.stem)
    block = _block(html)
    assert html.index("notebook-downloads") < html.index("jupyter-wrapper")
    page_dir = built_site / "examples" / path.stem
    assert (page_dir / f"{path.stem}.py").read_bytes() == path.read_bytes()
    assert (page_dir / f"{path.stem}.ipynb").is_file()
    binder = re.search(r'href="(https://mybinder\.org/[^"]+)"', block).group(1)
    assert binder == ("https://mybinder.org/v2/gh/example/dl-field-guide/HEAD?labpath="
                      f"docs%2Fexamples%2F{path.stem}.py")
    for name in re.findall(r'href="\.\./\.\./snippets/(\w+)\.py"', block):
        assert (built_site / "snippets" / f"{name}.py").read_bytes() == (ROOT / "snippets" / f"{name}.py"
                                                                        ).read_bytes()


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_downloaded_notebook_is_valid_and_holds_the_outputs_the_page_shows(built_site, path):
    notebook = nbformat.read(built_site / "examples" / path.stem / f"{path.stem}.ipynb", as_version=4)
    nbformat.validate(notebook)
    assert notebook.nbformat == 4
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code and all(cell.execution_count for cell in code)
    outputs = [output for cell in code for output in cell.outputs]
    assert outputs
    # The same execution: every image of the notebook is a file of the page, named by its hash
    # (docs/hooks/notebook_pages.py), and the page shows no other output image.
    html = _page(built_site, path.stem)
    shown = set(re.findall(r'src="output-([0-9a-f]{16})\.png"', html))
    kept = {hashlib.sha256(base64.b64decode(o["data"]["image/png"])).hexdigest()[:16]
            for o in outputs if "image/png" in o.get("data", {})}
    embedded = set(re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)",
                              "".join(str(o.get("data", {}).get("text/html", "")) for o in outputs)))
    kept |= {hashlib.sha256(base64.b64decode(data)).hexdigest()[:16] for data in embedded}
    assert shown and shown == kept


def _execute(notebook_path: Path) -> float:
    from nbclient import NotebookClient

    start = time.perf_counter()
    notebook = nbformat.read(notebook_path, as_version=4)
    names = sorted({m for cell in notebook.cells if cell.cell_type == "code"
                    for m in re.findall(r"^\s*from snippets\.(\w+) import", cell.source, re.M)})
    # Proves the snippets came from the folder, not from the project's installation.
    notebook.cells.append(nbformat.v4.new_code_cell(
        "import os, snippets\n"
        f"assert [os.path.dirname(p) for p in snippets.__path__] == [{str(notebook_path.parent)!r}], "
        "snippets.__path__\n"
        + "".join(f"import snippets.{n}\nassert snippets.{n}.__file__.startswith("
                  f"{str(notebook_path.parent)!r})\n" for n in names)))
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(notebook_path.parent)}}).execute()
    return time.perf_counter() - start


def test_every_downloaded_notebook_executes_again_from_its_downloads_alone(built_site, tmp_path, monkeypatch):
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.setenv(name, "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.delenv("PYTHONPATH", raising=False)
    folders = []
    for path in EXAMPLES:
        folder = tmp_path / path.stem
        (folder / "snippets").mkdir(parents=True)
        shutil.copy(built_site / "examples" / path.stem / f"{path.stem}.ipynb", folder)
        for name in re.findall(r'href="\.\./\.\./snippets/(\w+)\.py"', _block(_page(built_site, path.stem))):
            shutil.copy(built_site / "snippets" / f"{name}.py", folder / "snippets")
        folders.append(folder / f"{path.stem}.ipynb")
    # The slowest first, two at a time: both cores busy until the end.
    folders.sort(key=lambda p: -(p.stat().st_size))
    with ThreadPoolExecutor(max_workers=2) as pool:
        times = dict(zip([p.stem for p in folders], pool.map(_execute, folders), strict=True))
    print("re-executed:", {k: round(v, 1) for k, v in times.items()})
    assert set(times) == {p.stem for p in EXAMPLES}
