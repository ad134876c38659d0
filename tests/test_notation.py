"""One notation on every page and worked example: the table on the home page (docs/index.md,
"Notation") is the reference, and no page's math uses a symbol the table retires.

A retired symbol may still appear where a page translates a source's notation, e.g. "the
course's $m$ (our $N$)": a block (a paragraph, a list item, a table) that uses it must also
use its replacement. Quotes from the notes (lines starting with ">") and code are skipped.
"""

from __future__ import annotations

import re
from pathlib import Path

import jupytext
import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = sorted(p for p in DOCS.rglob("*.md"))
NOTEBOOKS = sorted((DOCS / "examples").glob("*.py"))

# name: (retired pattern, replacement pattern that allows it in the same block)
RETIRED = {
    "J for the loss (our L)": (
        r"\\(?:partial|nabla) J\b|\bJ\((?:\\theta|w)|J_\{\\text|\\lvert J ?\\rvert|^J$",
        r"(?<![\\A-Za-z])L(?![A-Za-z])"),
    "alpha for the learning rate (our eta)": (r"\\alpha", r"\\eta"),
    "m for the number of examples (our N or B)": (
        r"\\frac\{\\lambda\}\{2?m\}|\\frac\{1\}\{m\}|\\lambda\s*/\s*\(?2?m\b|\{2m\}",
        r"(?<![\\A-Za-z])[NB](?![A-Za-z])"),
    "w_{t+1} for the step index (our w_t = w_{t-1} - ...)": (r"_\{t\s*\+\s*1\b", r"_\{t-1"),
    "v for Adam's second moment (our s)": (
        r"\\hat v(?![A-Za-z])|\bv_t\s*=\s*\\beta_2", r"\\hat s(?![A-Za-z])|s_t"),
    "lambda_max for a curvature (our c_max)": (r"\\lambda_\{\\m(?:ax|in)\}", r"c_\{\\m(?:ax|in)\}"),
    "L for the number of layers (our D)": (
        r"\[L(?:\s*-\s*1)?\]|\\sum_\{l=1\}\^\{?L\b|\\dots, L\b", r"(?<![\\A-Za-z])D(?![A-Za-z])"),
}
# Pages where a retired letter means something else, by the source's own name for it.
OTHER_MEANING = {
    "alpha for the learning rate (our eta)": {
        "foundations/activations.md",  # the slope of leaky ReLU, as in PyTorch's docs
        "architectures/index.md",  # DARTS' architecture weights, the paper's name
    },
}
MATH = re.compile(r"\$\$(.+?)\$\$|\$([^$\n]+?)\$", re.S)


def _blocks(markdown):
    """Blocks of prose with their math, without code, quotes or inline code."""
    markdown = re.sub(r"^\s*(```|~~~).*?^\s*\1", "", markdown, flags=re.S | re.M)
    lines = [line for line in markdown.splitlines() if not line.lstrip().startswith(">")]
    for block in re.split(r"\n\s*\n", "\n".join(lines)):
        block = re.sub(r"`[^`\n]*`", "", block)
        yield [(m.group(1) or m.group(2)).strip() for m in MATH.finditer(block)]


def retired_symbols(markdown, page=""):
    """(name, math) for each use of a retired symbol not translated in its block."""
    found = []
    for maths in _blocks(markdown):
        for name, (retired, replacement) in RETIRED.items():
            if page in OTHER_MEANING.get(name, ()):
                continue
            bad = [m for m in maths if re.search(retired, m, re.M)]
            if bad and not any(re.search(replacement, m) for m in maths):
                found.extend((name, m) for m in bad)
    return found


def _notebook_markdown(path):
    notebook = jupytext.reads(path.read_text(encoding="utf-8"), fmt="py:percent")
    return "\n\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_no_page_uses_a_retired_symbol(page):
    name = page.relative_to(DOCS).as_posix()
    assert retired_symbols(page.read_text(encoding="utf-8"), name) == []


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_worked_example_uses_a_retired_symbol(notebook):
    assert retired_symbols(_notebook_markdown(notebook)) == []


@pytest.mark.parametrize("text, name", [
    (r"The cost is $J + \frac{\lambda}{2m} \lVert W \rVert^2$.", "m for the number"),
    (r"A step $w_{t+1} = w_t - \eta \nabla L(w_t)$.", "w_{t+1}"),
    (r"Adam divides by $\sqrt{\hat v_t} + \epsilon$.", "v for Adam"),
    (r"With learning rate $\alpha$ the step is $\alpha g$.", "alpha"),
    (r"Stable for $\eta < 2/\lambda_{\max}$.", "lambda_max"),
    (r"The loss $J(\theta)$ of the parameters.", "J for the loss"),
    (r"The output layer $Z^{[L]}$.", "L for the number of layers"),
])
def test_the_check_catches_each_retired_symbol(text, name):
    found = retired_symbols(text)
    assert found and any(key.startswith(name) for key, _ in found)


def test_a_translation_or_a_quote_is_allowed():
    translated = r"The course divides by its $m$ examples ($\frac{1}{m}$), our $B$."
    quoted = "> the cost $J(\\theta)$ and a learning rate $\\alpha$"
    code = "```python\nlr = alpha / m  # $\\alpha$\n```"
    assert retired_symbols(translated) == []
    assert retired_symbols(quoted) == []
    assert retired_symbols(code) == []


def test_home_page_has_the_notation_table():
    text = (DOCS / "index.md").read_text(encoding="utf-8")
    section = text.split("## Notation { #notation }", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| $")]
    symbols = {row.split("|")[1].strip() for row in rows}
    assert symbols >= {"$L$", r"$\eta$", "$t$", "$N$", "$B$", "$D$, $l$", r"$\lambda$",
                       r"$\lambda'$", "$v$", "$m$, $s$"}
