"""The site as published (tests/conftest.py PUBLISHED): canonical links, the sitemap, the repository
link and "edit this page" use the addresses given by the environment; a local build uses none."""

from __future__ import annotations

import gzip
import os
import re
import xml.etree.ElementTree as ET

import pytest
from mkdocs.config import load_config

from tests.browser.conftest import site_pages
from tests.conftest import PUBLISHED, ROOT
from tests.helpers import load_module

SITE_URL, REPO_URL = PUBLISHED["SITE_URL"], PUBLISHED["REPO_URL"]
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def _html(built_site, page: str) -> str:
    return (built_site / page / "index.html").read_text(encoding="utf-8")


def test_every_page_names_its_published_address_as_canonical(built_site):
    wrong = []
    for page in site_pages(built_site):
        found = re.search(r'<link rel="canonical" href="([^"]*)">', _html(built_site, page))
        if not found or found.group(1) != SITE_URL + page:
            wrong.append(f"{page or '/'}: {found and found.group(1)}")
    assert not wrong, "canonical links not at the published address:\n" + "\n".join(wrong)


@pytest.mark.parametrize("name", ["sitemap.xml", "sitemap.xml.gz"])
def test_sitemap_lists_every_page_at_its_published_address(built_site, name):
    raw = (built_site / name).read_bytes()
    locs = [loc.text for loc in ET.fromstring(gzip.decompress(raw) if name.endswith(".gz") else raw)
            .iter(SITEMAP + "loc")]
    assert sorted(locs) == sorted(SITE_URL + page for page in site_pages(built_site))


def test_pages_have_edit_this_page_and_the_header_links_the_repository(built_site):
    html = _html(built_site, "regularization/dropout/")
    assert f'href="{REPO_URL}/edit/main/docs/regularization/dropout.md"' in html
    assert 'title="Edit this page"' in html
    assert f'<a href="{REPO_URL}" title="Go to repository" class="md-source">' in html


def test_repository_link_makes_no_call_to_the_github_api(built_site):
    """Material's script fetches stars and forks for a link marked data-md-component="source"."""
    assert 'data-md-component="source"' not in _html(built_site, "")


def _local_config(monkeypatch):
    for name in ("SITE_URL", "REPO_URL", "EDIT_URI"):
        monkeypatch.delenv(name, raising=False)
    config = load_config(os.path.join(ROOT, "mkdocs.yml"))
    return load_module("docs/hooks/repository.py", "repository_hook").on_config(config)


def test_a_local_build_uses_the_served_address_and_no_repository(monkeypatch):
    config = _local_config(monkeypatch)
    assert config.site_url == "http://127.0.0.1:8000/"
    assert config.repo_url is None and config.edit_uri is None


def test_the_environment_sets_the_addresses(monkeypatch):
    monkeypatch.setenv("SITE_URL", "https://docs.example.org/guide/")
    monkeypatch.setenv("REPO_URL", "https://example.org/code/guide")
    monkeypatch.setenv("EDIT_URI", "edit/trunk/docs/")
    config = load_config(os.path.join(ROOT, "mkdocs.yml"))
    config = load_module("docs/hooks/repository.py", "repository_hook").on_config(config)
    assert (config.site_url, config.repo_url, config.edit_uri) == (
        "https://docs.example.org/guide/", "https://example.org/code/guide", "edit/trunk/docs/")
