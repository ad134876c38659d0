"""Math typeset at build time by MathJax 3, so a page ships no math JavaScript at all.

MathJax's own files come from the PyPI package django-static-mathjax (MathJax 3.2.2, es5 build; it has
no dependencies and Django is not needed). They run here, in V8 embedded in Python (the ``mini-racer``
package: no Node.js), with MathJax's DOM-less "lite" adaptor: the TeX of each formula becomes CommonHTML
markup (``<mjx-container>``, with a hidden MathML copy that screen readers read) in the built page, and
each page with math gets a ``<style>`` with the CSS of exactly the glyphs it uses. The browser then only
downloads the few MathJax fonts that page needs (served from this site, ``assets/mathjax/woff-v2``).
Typesetting in the browser cost a 1.1 MB script and about two seconds of main-thread work on a
technique page (Lighthouse performance 72); this costs nothing when the page is viewed.

Math is found where the Markdown puts it:
- arithmatex's ``<span class="arithmatex">\\(...\\)</span>`` and ``<div class="arithmatex">\\[...\\]</div>``
  (pymdownx.arithmatex with ``generic: true``);
- ``$...$`` and ``$$...$$`` in a notebook's Markdown cells (``jp-MarkdownOutput``; not inside code).

A formula MathJax cannot parse, or an undefined macro, fails the build with the page and the TeX: the
page would otherwise show an error in red.
"""

from __future__ import annotations

import atexit
import html
import importlib.util
import re
from pathlib import Path

from pipeline import BuildError, relative_url

FONT_DIR = "assets/mathjax/woff-v2"
# The components tex-chtml.js combines, less its loader and menu, plus the lite DOM for running without
# a browser and tex-full's TeX packages (the browser's autoload cannot run here).
COMPONENTS = ("startup.js", "core.js", "adaptors/liteDOM.js", "input/tex-full.js", "output/chtml.js",
              "output/chtml/fonts/tex.js", "a11y/assistive-mml.js")
FONT_URL = "@FONT_URL@"
CONFIG = """
var global = globalThis;
globalThis.MathJax = {
  startup: {typeset: false, adaptor: "liteAdaptor", elements: null, ready: function () {}},
  // No "noundefined": an unknown macro is an error, not red text. Errors are thrown, not typeset.
  tex: {packages: {"[-]": ["noundefined"]},
        formatError: function (jax, error) { throw new Error("TeX error: " + error.message); }},
  // MathJax in a browser scales its math to the ex-height of the text around it; there is no text
  // here, so use the scale it chose in Chromium for Material's font stack (119.5 %).
  chtml: {fontURL: "FONT_URL", scale: 1.195, matchFontHeight: false},
};
""".replace("FONT_URL", FONT_URL)
API = """
MathJax.startup.getComponents();
MathJax.startup.makeMethods();
function __render(tex, display) {
  return MathJax.startup.adaptor.outerHTML(MathJax.tex2chtml(tex, {display: display}));
}
// The next page's stylesheet holds only the glyphs typeset after this.
function __newPage() { MathJax.startup.output.clearCache(); MathJax.startup.document.clear(); return true; }
function __stylesheet() { return MathJax.startup.adaptor.textContent(MathJax.chtmlStylesheet()); }
"""

ARITHMATEX = re.compile(r'<(span|div) class="arithmatex">(.*?)</\1>', re.S)
MARKDOWN_CELL = re.compile(r'<div class="[^"]*\bjp-MarkdownOutput\b[^"]*"[^>]*>')
DIV_TAG = re.compile(r"<(/?)div\b[^>]*>")
TAG = re.compile(r"(<[^>]*>)")
CODE_OPEN = re.compile(r"<(code|pre)\b", re.I)
CODE_CLOSE = re.compile(r"</(code|pre)>", re.I)
# $$...$$ first, then $...$ (not empty, not starting or ending with a space, no blank line); \$ is a dollar.
NOTEBOOK_MATH = re.compile(r"\$\$(.+?)\$\$|(?<![\\$])\$(?![\s$])((?:[^$\\\n]|\\.|\n(?!\s*\n))+?)(?<!\s)\$",
                           re.S)


def _es5_dir() -> Path:
    spec = importlib.util.find_spec("mathjax")
    if spec is None or not spec.submodule_search_locations:
        raise BuildError("MathJax files not found: install the site extra (pip install -e '.[site]')")
    es5 = Path(next(iter(spec.submodule_search_locations))) / "static" / "mathjax" / "es5"
    if not (es5 / "core.js").is_file():
        raise BuildError(f"MathJax package found but {es5 / 'core.js'} is missing")
    return es5


class MathJax:
    """MathJax 3 in an embedded V8: TeX in, CommonHTML markup out."""

    def __init__(self, es5: Path):
        try:
            from py_mini_racer import MiniRacer
        except ImportError as error:
            raise BuildError(
                "mini-racer not found: install the site extra (pip install -e '.[site]')") from error
        self._v8 = MiniRacer()
        self._v8.eval(CONFIG)
        for component in COMPONENTS:
            self._v8.eval((es5 / component).read_text(encoding="utf-8"))
        self._v8.eval(API)

    def render(self, tex: str, display: bool) -> str:
        return self._v8.call("__render", tex, display)

    def new_page(self) -> None:
        self._v8.call("__newPage")

    def stylesheet(self, font_url: str) -> str:
        return self._v8.call("__stylesheet").replace(FONT_URL, font_url)

    def close(self) -> None:
        self._v8.close()


_mathjax: MathJax | None = None


def _engine() -> MathJax:
    global _mathjax
    if _mathjax is None:
        _mathjax = MathJax(_es5_dir())
        # MkDocs' adapter closes it on_shutdown; this covers anything else (a test, a reloaded config,
        # the command line): a V8 left open until the interpreter is torn down can hang the exit.
        atexit.register(close)
    return _mathjax


def close() -> None:
    """Close the V8 that typesets (the next page starts a new one)."""
    global _mathjax
    if _mathjax is not None:
        _mathjax.close()
        _mathjax = None


def files() -> dict[str, Path]:
    """{site path: file on disk} of MathJax's fonts, which the typeset pages load."""
    fonts = _es5_dir() / "output" / "chtml" / "fonts" / "woff-v2"
    return {f"{FONT_DIR}/{path.name}": path for path in sorted(fonts.glob("*.woff"))}


def typeset(output: str, render) -> str:
    """Replace the TeX of a page's HTML by ``render(tex, display)``'s markup."""

    def arithmatex(match: re.Match) -> str:
        tag, source = match.group(1), html.unescape(match.group(2)).strip()
        display = tag == "div"
        opening, closing = (r"\[", r"\]") if display else (r"\(", r"\)")
        if not (source.startswith(opening) and source.endswith(closing)):
            raise ValueError(f"arithmatex {tag} without {opening} ... {closing}: {source[:80]!r}")
        return f'<{tag} class="arithmatex">{render(source[2:-2], display)}</{tag}>'

    output = ARITHMATEX.sub(arithmatex, output)
    pieces, position = [], 0
    for cell in MARKDOWN_CELL.finditer(output):
        if cell.start() < position:
            continue
        end = _closing_div(output, cell.end())
        pieces += [output[position:cell.end()], _typeset_markdown(output[cell.end():end], render)]
        position = end
    return "".join(pieces) + output[position:]


def _closing_div(text: str, start: int) -> int:
    depth = 1
    for tag in DIV_TAG.finditer(text, start):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            return tag.start()
    raise ValueError("a notebook Markdown cell's <div> is never closed")


def _typeset_markdown(cell: str, render) -> str:
    out, in_code = [], 0
    for piece in TAG.split(cell):
        if piece.startswith("<"):
            in_code += bool(CODE_OPEN.match(piece)) - bool(CODE_CLOSE.match(piece))
            out.append(piece)
        elif in_code or "$" not in piece:
            out.append(piece)
        else:
            def math(match: re.Match) -> str:
                display = match.group(1) is not None
                tex = html.unescape(match.group(1) if display else match.group(2))
                return f'<span class="arithmatex">{render(tex, display)}</span>'

            out.append(NOTEBOOK_MATH.sub(math, piece).replace("\\$", "$"))
    return "".join(out)


def typeset_page(output: str, page_url: str, page_src: str) -> str:
    """A built page with its math typeset and the CSS of its glyphs in its head (``page_url`` is the
    page's address relative to the site's root, e.g. ``topic/page/``; ``page_src`` names it in errors)."""
    if 'class="arithmatex"' not in output and "jp-MarkdownOutput" not in output:
        return output
    engine = _engine()
    engine.new_page()
    count = 0

    def render(tex: str, display: bool) -> str:
        nonlocal count
        try:
            markup = engine.render(tex, display)
        except Exception as error:  # the V8 exception carries MathJax's message
            message = str(error).splitlines()[0]
            raise BuildError(f"{page_src}: MathJax cannot typeset {tex!r}: {message}") from None
        count += 1
        return markup

    try:
        output = typeset(output, render)
    except ValueError as error:
        raise BuildError(f"{page_src}: {error}") from None
    if not count:
        return output
    font_url = relative_url(FONT_DIR, page_url)
    style = f'<style id="mathjax-chtml">{engine.stylesheet(font_url)}</style>\n'
    return output.replace("</head>", style + "</head>", 1)
