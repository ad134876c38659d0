"""Accessibility fixes to Material's own markup, which the site cannot change from a page.

Material's search overlay is a ``role="dialog"`` with no accessible name, which axe-core reports as a
serious violation (aria-dialog-name) on every page. The hook names it after its input's label. The
browser tests (tests/browser) run axe-core on every page and fail if the markup changes and the
violation comes back.
"""

from __future__ import annotations

SEARCH_DIALOG = '<div class="md-search" data-md-component="search" role="dialog">'
NAMED_SEARCH_DIALOG = '<div class="md-search" data-md-component="search" role="dialog" aria-label="Search">'


def on_post_page(output: str, page, config) -> str:
    return output.replace(SEARCH_DIALOG, NAMED_SEARCH_DIALOG, 1)
