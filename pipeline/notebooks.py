"""The worked examples (docs/examples/*.py, jupytext notebooks): what their execution depends on, the
environment it runs in, and the block that offers each notebook to take away.

Execution and conversion to HTML are still mkdocs-jupyter's (docs/hooks/notebooks.py and
docs/hooks/notebook_downloads.py adapt its cache and keep the executed notebook); the functions here are
the engine-independent part:

1. ``cache_key``: a notebook imports snippets, so its execution cache key covers the bytes of every
   ``snippets/<name>.py`` it imports (a changed snippet executes it again: a regression must fail the
   strict build, not hide behind the cache).
2. ``single_thread_blas``: the examples multiply small matrices; a multi-threaded BLAS spends more time
   synchronizing its threads than computing on them (several times slower on a loaded 2-core machine),
   so the kernels inherit one BLAS thread per process. Only speed changes.
3. ``binder_url`` and ``downloads_block``: the "Run it yourself" block at the top of a notebook page.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
from pathlib import Path
from urllib.parse import quote, urlsplit

from pipeline import ROOT, BuildError

SNIPPETS = ROOT / "snippets"
IMPORT = re.compile(r"^\s*(?:from|import)\s+snippets\.(\w+)", re.MULTILINE)
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
BINDER_HOSTS = {"github.com": "gh", "gitlab.com": "gl"}


def snippet_dependencies(notebook: Path) -> list[Path]:
    """The snippet modules a notebook imports, sorted by name."""
    names = sorted(set(IMPORT.findall(Path(notebook).read_text(encoding="utf-8"))))
    return [SNIPPETS / f"{name}.py" for name in names]


def cache_key(base_key: str, notebook: Path) -> str:
    """``base_key`` (the notebook's own key) extended with the bytes of the snippets it imports."""
    hasher = hashlib.sha256(base_key.encode())
    for path in snippet_dependencies(notebook):
        hasher.update(path.name.encode())
        hasher.update(path.read_bytes())  # a missing snippet raises: the build fails, as it should
    return hasher.hexdigest()


def single_thread_blas() -> None:
    """One BLAS thread for the kernels started from now on (an explicit setting is kept)."""
    for name in THREAD_VARIABLES:
        os.environ.setdefault(name, "1")


def binder_url(repo_url: str | None, source_path: str) -> str | None:
    """mybinder.org's address that opens ``source_path`` (relative to the repository) in JupyterLab."""
    if not repo_url:
        return None
    parts = urlsplit(repo_url)
    provider = BINDER_HOSTS.get(parts.netloc)
    repository = parts.path.strip("/").removesuffix(".git")
    if parts.scheme != "https" or provider is None or repository.count("/") != 1:
        raise BuildError(f"repo_url {repo_url!r} is not https://github.com/<owner>/<name> or "
                         "https://gitlab.com/<owner>/<name>: no Binder link can be made for it")
    if provider == "gl":
        repository = quote(repository, safe="")
    return f"https://mybinder.org/v2/{provider}/{repository}/HEAD?labpath={quote(source_path, safe='')}"


def downloads_block(stem: str, modules: list[str], binder: str | None) -> str:
    """The block at the top of a notebook page (links relative to the page, examples/<stem>/)."""
    snippet_links = ", ".join(
        f'<a href="../../snippets/{name}.py" download><code>{name}.py</code></a>' for name in modules)
    binder_link = ("" if binder is None else
                   f' <a class="md-button" href="{html.escape(binder)}">Launch on Binder</a>')
    return (
        '<div class="admonition note notebook-downloads" id="take-it-away">'
        '<p class="admonition-title">Run it yourself</p>'
        f'<p><a class="md-button md-button--primary" href="{stem}.ipynb" download>'
        f"Executed notebook (<code>{stem}.ipynb</code>)</a> "
        f'<a class="md-button" href="{stem}.py" download>Source (<code>{stem}.py</code>)</a>'
        f"{binder_link}</p>"
        f"<p>The notebook imports {snippet_links}: save them in a folder <code>snippets/</code> next to "
        "the notebook. With NumPy, matplotlib and scikit-learn installed, it runs as it ran here. "
        "In a clone of the repository, <code>make lab</code> opens every example in JupyterLab.</p>"
        "</div>"
    )


# ------------------------------------------------------------------------------------------------------
# Execution and conversion without MkDocs (the Zensical route; under MkDocs, mkdocs-jupyter does this)

EXAMPLES = ROOT / "docs" / "examples"
CACHE = ROOT / ".cache" / "notebooks"
VERSION = "1"  # bump to execute every notebook again
# The options of mkdocs.yml's mkdocs-jupyter entry that shape the page.
CUSTOM_MATHJAX_URL = "../../assets/mathjax/none.js"
LINK = re.compile(r"\]\(((?:\.\./)*examples/[\w-]+)\.py(#[\w-]*)?\)")
# mkdocs-jupyter's template ends the body with an indented <style>: Markdown would make it a code block.
INDENTED_BLOCK = re.compile(r"^[ \t]+(?=<(?:style|script|div)\b)", re.MULTILINE)
RELATIVE = re.compile(r'\b(href|src)="(?![a-z][\w+.-]*:|/|#)([^"]+)"')


def _from_source_folder(html_text: str, stem: str) -> str:
    """Relative links of a page at ``examples/<stem>/`` rewritten relative to ``examples/<stem>.md``:
    Zensical resolves the links of raw HTML in a page from its Markdown file, as it does Markdown links."""
    import posixpath

    def move(match: re.Match) -> str:
        url = match.group(2)
        path, hash_sign, anchor = url.partition("#")
        moved = posixpath.normpath(f"{stem}/{path}") + ("/" if path.endswith("/") else "")
        return f'{match.group(1)}="{moved}{hash_sign}{anchor}"'

    return RELATIVE.sub(move, html_text)


def execute(notebook: Path) -> tuple[str, str]:
    """The executed notebook (JSON) and its page's HTML body, from the cache when neither the notebook
    nor a snippet it imports changed. A failing cell raises: the build fails."""
    import json

    import jupytext
    import nbformat
    from mkdocs_jupyter.nbconvert2 import nb2html  # the converter only: it imports no MkDocs
    from nbclient import NotebookClient

    key = cache_key(hashlib.sha256(VERSION.encode() + notebook.read_bytes()).hexdigest(), notebook)
    cached = CACHE / f"{notebook.stem}-{key[:16]}.json"
    if cached.is_file():
        data = json.loads(cached.read_text(encoding="utf-8"))
        return data["notebook"], data["html"]
    single_thread_blas()
    nb = jupytext.read(notebook)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    try:
        NotebookClient(nb, kernel_name="python3", allow_errors=False,
                       resources={"metadata": {"path": str(ROOT)}}).execute()
    except Exception as error:  # nbclient's CellExecutionError carries the cell and the traceback
        raise BuildError(f"{notebook.relative_to(ROOT)}: {error}") from None
    text = nbformat.writes(nb, version=4)
    CACHE.mkdir(parents=True, exist_ok=True)
    executed = CACHE / f"{notebook.stem}-{key[:16]}.ipynb"
    executed.write_text(text, encoding="utf-8")
    body = nb2html(str(executed), execute=False, allow_errors=False, custom_mathjax_url=CUSTOM_MATHJAX_URL)
    tmp = cached.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(json.dumps({"notebook": text, "html": body}), encoding="utf-8")
    tmp.replace(cached)
    executed.unlink()
    return text, body


def stage_pages(docs: Path, repo_url: str | None = None) -> dict[str, str]:
    """Turn each staged ``examples/<stem>.py`` into a page ``examples/<stem>.md`` (the downloads block and
    the executed notebook's HTML), with ``<stem>.ipynb`` and ``<stem>.py`` beside it, as MkDocs publishes
    them; links to the notebooks now name the pages. Returns {old nav entry: new one}."""
    renamed = {}
    for source in sorted((docs / "examples").glob("*.py")):
        stem = source.stem
        notebook, body = execute(EXAMPLES / source.name)
        folder = docs / "examples" / stem
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{stem}.ipynb").write_text(notebook, encoding="utf-8")
        source.replace(folder / f"{stem}.py")
        modules = [path.stem for path in snippet_dependencies(EXAMPLES / source.name)]
        binder = binder_url(repo_url, f"docs/examples/{source.name}")
        body = INDENTED_BLOCK.sub("", body)
        page = _from_source_folder(downloads_block(stem, modules, binder) + "\n\n" + body, stem) + "\n"
        (docs / "examples" / f"{stem}.md").write_text(page, encoding="utf-8")
        renamed[f"examples/{source.name}"] = f"examples/{stem}.md"
    for page in docs.rglob("*.md"):
        text = page.read_text(encoding="utf-8")
        new = LINK.sub(lambda m: f"]({m.group(1)}.md{m.group(2) or ''})", text)
        if new != text:
            page.write_text(new, encoding="utf-8")
    return renamed
