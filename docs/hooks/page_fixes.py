"""Fixes to the HTML that Material and mkdocs-jupyter generate, which no page can make itself.

- Material's search overlay is a ``role="dialog"`` with no accessible name, which axe-core reports as a
  serious violation (aria-dialog-name) on every page: it is named "Search", like its input.
- mkdocs-jupyter puts a ``<script src=".../tex-chtml.js">`` (from ``custom_mathjax_url``) and a
  MathJax 2 configuration block in the middle of each notebook page. That MathJax starts before the
  site's configuration (javascripts/mathjax-config.js, at the end of the page) and is then overwritten
  by it, so notebook math stays raw TeX. The block is removed: the site's configuration loads MathJax
  on notebook pages as on every page with math.
- Pages with math (arithmatex's spans, or a notebook's Markdown cells) load MathJax
  (``assets/mathjax/tex-chtml-nomenu.js``, see docs/hooks/mathjax.py) with a plain ``<script>`` right
  after javascripts/mathjax-config.js, so it typesets before the first paint (loaded from JavaScript,
  it shifted the page's layout after the first paint); pages without math load no MathJax.
- Figures (``figures/*.svg``) load lazily: the figure of the other colour scheme, hidden, is then never
  downloaded, and figures below the fold only when the reader gets there.

The browser tests (tests/browser) fail if the markup changes and either problem comes back.
"""

from __future__ import annotations

import re

SEARCH_DIALOG = '<div class="md-search" data-md-component="search" role="dialog">'
NAMED_SEARCH_DIALOG = '<div class="md-search" data-md-component="search" role="dialog" aria-label="Search">'
NOTEBOOK_MATHJAX = re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.S)
MATHJAX_CONFIG = re.compile(r'<script src="([^"]*)javascripts/mathjax-config\.js"></script>')
EAGER_FIGURE = re.compile(r'<img (?![^>]*\bloading=)(?=[^>]*\bsrc="[^"]*figures/)')


def on_post_page(output: str, page, config) -> str:
    output = output.replace(SEARCH_DIALOG, NAMED_SEARCH_DIALOG, 1)
    output = EAGER_FIGURE.sub('<img loading="lazy" ', output)
    if 'class="arithmatex"' in output or "jp-MarkdownOutput" in output:
        def add_mathjax(match: re.Match) -> str:
            mathjax = f"{match.group(1)}assets/mathjax/tex-chtml-nomenu.js"
            return f'{match.group(0)}\n<script src="{mathjax}"></script>'

        output = MATHJAX_CONFIG.sub(add_mathjax, output, count=1)
    return NOTEBOOK_MATHJAX.sub("", output, count=1)
