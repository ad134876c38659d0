"""Math typeset at build time (pipeline/mathjax.py; docs/hooks/mathjax.py is its MkDocs adapter):
what the step finds, what MathJax makes of it, and the built pages (no raw TeX, no MathJax script, the
glyph CSS and fonts each page needs)."""

from __future__ import annotations

import importlib
import re
from types import SimpleNamespace

import pytest
from mkdocs.exceptions import PluginError

from tests.helpers import ROOT, load_module

hook = load_module("docs/hooks/mathjax.py", "mathjax_hook")
step = importlib.import_module("pipeline.mathjax")


def fake_render(tex: str, display: bool) -> str:
    return f"[{'D' if display else 'I'}:{tex}]"


@pytest.fixture(autouse=True)
def _close_the_hooks_engine():
    yield
    hook.on_shutdown()


@pytest.fixture(scope="module")
def mathjax():
    engine = step.MathJax(step._es5_dir())
    yield engine
    engine.close()


def _page(src_uri="topic/page.md", url="topic/page/"):
    return SimpleNamespace(file=SimpleNamespace(src_uri=src_uri), url=url)


# A backslash lost when TeX is written through a Python string: "\text" becomes a tab and "ext", "\frac" a
# form feed and "rac", "\beta" a backspace and "eta" (the dropout page once rendered $1/p_{<tab>ext{keep}}$).
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\t]")


def test_no_page_or_notebook_source_holds_a_control_character_from_a_lost_backslash():
    sources = sorted(ROOT.glob("docs/**/*.md")) + sorted(ROOT.glob("docs/examples/*.py"))
    assert len(sources) > 20
    bad = [f"{path.relative_to(ROOT)}:{number}: {line.strip()!r}"
           for path in sources
           for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
           if CONTROL.search(line)]
    assert not bad, "control characters (a lost backslash?):\n" + "\n".join(bad)


# ----------------------------------------------------------------------------------- finding the math


def test_arithmatex_inline_and_display_math_are_replaced_and_unescaped():
    page = ('<p>See <span class="arithmatex">\\(a &lt; b\\)</span> and</p>\n'
            '<div class="arithmatex">\\[\n\\frac{1}{m} &amp; x\n\\]</div>')
    out = step.typeset(page, fake_render)
    assert out == ('<p>See <span class="arithmatex">[I:a < b]</span> and</p>\n'
                   '<div class="arithmatex">[D:\n\\frac{1}{m} & x\n]</div>')


def test_arithmatex_element_without_its_delimiters_is_an_error():
    with pytest.raises(ValueError, match=r"without \\\("):
        step.typeset('<span class="arithmatex">a + b</span>', fake_render)


def test_notebook_markdown_math_is_replaced_but_not_in_code_or_outside_markdown_cells():
    page = ('<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown jp-MarkdownOutput" data-mime-type="x">'
            '<p>Step $\\eta &lt; 2/c$ and $$\\sum_i x_i$$, costs \\$5 and $3; '
            '<code>"$w_1$"</code></p><div class="inner"><p>$y$</p></div></div>'
            '<div class="jp-OutputArea"><pre>$x$</pre></div>')
    out = step.typeset(page, fake_render)
    assert '<span class="arithmatex">[I:\\eta < 2/c]</span>' in out
    assert '<span class="arithmatex">[D:\\sum_i x_i]</span>' in out
    assert '<span class="arithmatex">[I:y]</span>' in out  # a nested <div> does not end the cell
    assert "costs $5 and $3;" in out  # an escaped dollar and a lone price stay text
    assert '<code>"$w_1$"</code>' in out
    assert '<div class="jp-OutputArea"><pre>$x$</pre></div>' in out


def test_notebook_markdown_cell_that_is_never_closed_is_an_error():
    with pytest.raises(ValueError, match="never closed"):
        step.typeset('<div class="jp-MarkdownOutput"><p>$x$</p>', fake_render)


# --------------------------------------------------------------------------------------- MathJax


def test_mathjax_makes_commonhtml_with_a_hidden_mathml_copy(mathjax):
    mathjax.new_page()
    inline = mathjax.render(r"\frac{\partial J}{\partial W}", False)
    display = mathjax.render(r"x_i", True)
    assert inline.startswith('<mjx-container class="MathJax" jax="CHTML"')
    assert 'display="true"' in display and 'display="true"' not in inline.split(">", 1)[0]
    # Screen readers read the MathML; the visual markup is hidden from them.
    assert "<mjx-assistive-mml" in inline and "<mfrac>" in inline and 'aria-hidden="true"' in inline
    assert "font-size: 119.5%" in inline


def test_stylesheet_holds_the_glyphs_of_this_page_only_and_the_font_address(mathjax):
    mathjax.new_page()
    mathjax.render(r"\mathbb{E}", False)
    css = mathjax.stylesheet("../../assets/mathjax/woff-v2")
    assert "mjx-c.mjx-c1D53C" in css  # the double-struck E
    assert 'url("../../assets/mathjax/woff-v2/MathJax_AMS-Regular.woff")' in css
    assert step.FONT_URL not in css
    mathjax.new_page()
    mathjax.render("x", False)
    assert "mjx-c1D53C" not in mathjax.stylesheet("../assets/mathjax/woff-v2")


@pytest.mark.parametrize("tex", [r"\frac{1}{", r"\undefinedmacro x", r"x^^2"])
def test_tex_mathjax_cannot_typeset_is_an_error_not_red_text(mathjax, tex):
    with pytest.raises(Exception, match="TeX error"):
        mathjax.render(tex, False)


def test_bad_tex_fails_the_build_naming_the_page_and_the_tex():
    page = '<html><head></head><body><span class="arithmatex">\\(\\nosuchmacro\\)</span></body></html>'
    with pytest.raises(PluginError, match=r"topic/page\.md: MathJax cannot typeset '\\\\nosuchmacro'"):
        hook.on_post_page(page, page=_page(), config={})


def test_page_with_math_gets_its_stylesheet_with_fonts_relative_to_the_page():
    page = '<html><head></head><body><span class="arithmatex">\\(x\\)</span></body></html>'
    out = hook.on_post_page(page, page=_page(url="a/b/"), config={})
    style = re.search(r'<style id="mathjax-chtml">(.*?)</style>\n</head>', out, re.S)
    assert style and 'url("../../assets/mathjax/woff-v2/MathJax_Math-Italic.woff")' in style.group(1)
    assert "<mjx-container" in out


def test_page_without_math_is_unchanged():
    page = "<html><head></head><body><p>No math, just $5.</p></body></html>"
    assert hook.on_post_page(page, page=_page(), config={}) == page


# ----------------------------------------------------------------------------------- the built site


@pytest.mark.site
def test_built_pages_have_no_raw_tex_and_load_no_mathjax_script(built_site):
    pages_with_math = 0
    for path in built_site.rglob("index.html"):
        text = path.read_text(encoding="utf-8")
        assert "tex-chtml" not in text and "mathjax-config" not in text, f"{path}: loads MathJax"
        for element in re.finditer(r'<(span|div) class="arithmatex">(.*?)</\1>', text, re.S):
            assert element.group(2).startswith("<mjx-container"), f"{path}: raw {element.group(2)[:60]!r}"
        if "<mjx-container" in text:
            pages_with_math += 1
            assert '<style id="mathjax-chtml">' in text, f"{path}: math without its glyph CSS"
            for font in set(re.findall(r'url\("([^"]+\.woff)"\)', text)):
                assert (path.parent / font).resolve().is_file(), f"{path}: font {font} is missing"
    assert pages_with_math >= 20
