"""Fixes to the HTML that Material and mkdocs-jupyter generate, which no page can make itself.

- Material's search overlay is a ``role="dialog"`` with no accessible name, which axe-core reports as a
  serious violation (aria-dialog-name) on every page: it is named "Search", like its input.
- mkdocs-jupyter puts a ``<script src=".../tex-chtml.js">`` (from ``custom_mathjax_url``) and a
  MathJax 2 configuration block in the middle of each notebook page. Math is typeset at build time
  (pipeline/mathjax.py), so no page loads MathJax: the block is removed.
- Figures (``figures/*.svg``) load lazily: the figure of the other colour scheme, hidden, is then never
  downloaded, and figures below the fold only when the reader gets there.

The browser tests (tests/browser) fail if the markup changes and either problem comes back.
"""

from __future__ import annotations

import re

SEARCH_DIALOG = '<div class="md-search" data-md-component="search" role="dialog">'
NAMED_SEARCH_DIALOG = '<div class="md-search" data-md-component="search" role="dialog" aria-label="Search">'
NOTEBOOK_MATHJAX = re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.S)
EAGER_FIGURE = re.compile(r'<img (?![^>]*\bloading=)(?=[^>]*\bsrc="[^"]*figures/)')


def fix_page(output: str) -> str:
    """A built page with the fixes above."""
    output = output.replace(SEARCH_DIALOG, NAMED_SEARCH_DIALOG, 1)
    output = EAGER_FIGURE.sub('<img loading="lazy" ', output)
    return NOTEBOOK_MATHJAX.sub("", output, count=1)
