"""Keep out of MkDocs' search index what only makes its results worse, and say so in the markup.

Material's search plugin indexes each page's HTML section by section and skips any element (or the
whole section under a heading) marked ``data-search-exclude``. Marked here, before it indexes:

- every page's "Further reading" section: the catalogue's entries and their notes, repeated on each page
  whose topic they carry. The Library indexes each entry once; the copies made a query such as
  "dropout" hit a dozen pages that merely list a resource with the word in its notes.
- the outputs and the "In [n]:" prompts of notebook cells (training logs, tables of numbers, the
  copy button's label). Their code cells and Markdown stay searchable.

The search plugin removes these attributes from the page after indexing, so readers never see them.
``tests/site/test_search_index.py`` checks what is in the built index and what is not, and its size.
"""

from __future__ import annotations

import re

EXCLUDE = ' data-search-exclude="true"'
FURTHER_READING = re.compile(r'<h2 id="further-reading"(?![^>]*data-search-exclude)')
NOTEBOOK_NOISE = re.compile(
    r'<div class="(?=(?:[^"]*\s)?(?:jp-OutputArea|jp-InputPrompt)[\s"])(?![^>]*data-search-exclude)')


def exclude_from_search(html: str) -> str:
    """``html`` with the further-reading section and notebook outputs and prompts marked."""
    html = FURTHER_READING.sub(lambda m: m.group(0) + EXCLUDE, html)
    return NOTEBOOK_NOISE.sub(lambda m: '<div' + EXCLUDE + ' class="', html)
