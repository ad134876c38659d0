"""Moved pages keep their old address: mkdocs-redirects' map in mkdocs.yml, checked
without a build, then the redirect page in the built site."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import mkdocs_config
from tests.site.test_examples import _nav_paths

ROOT = Path(__file__).resolve().parents[2]


def _config():
    # mkdocs.yml has no !!python tags, so the safe loader reads it whole.
    return mkdocs_config()


def _redirect_maps():
    for plugin in _config()["plugins"]:
        if isinstance(plugin, dict) and "redirects" in plugin:
            return plugin["redirects"]["redirect_maps"]
    raise AssertionError("mkdocs.yml has no redirects plugin")


def test_redirects_plugin_is_configured_with_a_map():
    maps = _redirect_maps()
    assert isinstance(maps, dict) and maps


def test_every_redirect_target_is_a_page_of_the_navigation():
    nav = set(_nav_paths(_config()["nav"]))
    for old, new in _redirect_maps().items():
        assert new in nav, f"redirect {old} -> {new}: {new} is not in the nav"
        assert (ROOT / "docs" / new).is_file(), f"{old} -> {new}: docs/{new} is missing"


def test_no_old_address_is_still_a_page():
    for old in _redirect_maps():
        assert not (ROOT / "docs" / old).exists(), f"docs/{old} exists: it is hidden"


def test_batch_norm_old_address_redirects_to_normalization():
    maps = _redirect_maps()
    assert maps["regularization/batch-norm.md"] == "normalization/batch-norm.md"


def test_built_site_has_a_redirect_page_at_the_old_address(built_site):
    old = built_site / "regularization" / "batch-norm" / "index.html"
    html = old.read_text(encoding="utf-8")
    assert 'http-equiv="refresh"' in html
    assert "../../normalization/batch-norm/" in html
    assert (built_site / "normalization" / "batch-norm" / "index.html").is_file()
