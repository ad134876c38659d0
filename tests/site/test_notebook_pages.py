"""Notebook pages made light (docs/hooks/notebook_pages.py): CSS pruned to what can match, output
images as files, the never-used Mermaid loader gone."""

from __future__ import annotations

import base64
import importlib
import re
import struct
import zlib
from types import SimpleNamespace

import pytest

from tests.helpers import load_module

hook = load_module("docs/hooks/notebook_pages.py", "notebook_pages_hook")
step = importlib.import_module("pipeline.notebook_pages")


def _png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xff" * 3 * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


# --------------------------------------------------------------------------------------------- CSS


def test_rules_needing_an_absent_class_are_dropped_and_others_kept():
    css = (".jp-Cell{color:red}.jp-Widget{color:blue}.jp-Cell .jp-Absent,.jp-Cell pre{margin:0}"
           "pre{padding:1px}.jp-Cell:not(.jp-mod-active){border:0}"
           "@media (max-width:760px){.jp-Cell{padding:0}.jp-Widget{padding:0}}"
           "@media print{.jp-Widget{display:none}}")
    (out,) = step.prune_css([css], {"jp-Cell"})
    assert ".jp-Cell{color:red}" in out
    assert ".jp-Widget" not in out and ".jp-Absent" not in out
    assert ".jp-Cell pre{margin:0}" in out  # one selector of a list survives alone
    assert "pre{padding:1px}" in out
    assert ".jp-Cell:not(.jp-mod-active){border:0}" in out  # a class inside :not() is not required
    assert "@media (max-width:760px){.jp-Cell{padding:0}}" in out
    assert "@media print" not in out  # emptied group dropped


def test_custom_properties_are_kept_when_used_even_through_another_sheet_or_property():
    rules = ".jp-Cell{color:var(--jp-a)}"
    variables = (".jupyter-wrapper{--jp-a:var(--jp-b);--jp-b:#123;--jp-unused:var(--jp-c);--jp-c:1px}"
                 '[data-md-color-scheme="slate"] .jupyter-wrapper{--jp-b:#fff;--jp-c:2px}')
    rules_out, variables_out = step.prune_css([rules, variables], {"jp-Cell", "jupyter-wrapper"})
    assert rules_out == rules
    assert "--jp-a:var(--jp-b)" in variables_out and "--jp-b:#123" in variables_out
    assert "--jp-b:#fff" in variables_out  # the dark scheme's value too
    assert "--jp-unused" not in variables_out and "--jp-c" not in variables_out


def test_keyframes_kept_only_when_a_kept_rule_animates_with_them():
    css = ("@keyframes spin{from{transform:none}to{transform:rotate(1turn)}}"
           "@keyframes fade{from{opacity:0}to{opacity:1}}"
           ".jp-Spinner{animation:spin 1s infinite}.jp-Absent{animation:fade 1s}")
    (out,) = step.prune_css([css], {"jp-Spinner"})
    assert "@keyframes spin" in out and "@keyframes fade" not in out


def test_important_flag_survives():
    (out,) = step.prune_css([".jp-Cell{display:none !important}"], {"jp-Cell"})
    assert out == ".jp-Cell{display:none !important}"


def test_page_classes_ignore_scripts_and_styles():
    page = '<div class="a b"><style>.c{}</style><script>x = \'class="d"\'</script><p class="e">'
    assert step.page_classes(page) == {"a", "b", "e"}


# ------------------------------------------------------------------------------------------ images


def test_base64_image_becomes_a_lazy_file_with_its_size(tmp_path):
    data = _png(7, 3)
    page = f'<p><img alt="a plot" src="data:image/png;base64,{base64.b64encode(data).decode()}"/></p>'
    out = step.externalize_images(page, tmp_path)
    (written,) = tmp_path.iterdir()
    assert written.read_bytes() == data and written.name.startswith("output-")
    assert out == (f'<p><img alt="a plot" src="{written.name}" loading="lazy" decoding="async" '
                   f'width="7" height="3"/></p>')


def test_image_that_states_its_size_keeps_it(tmp_path):
    encoded = base64.b64encode(_png(7, 3)).decode()
    out = step.externalize_images(f'<img src="data:image/png;base64,{encoded}" width="350">', tmp_path)
    assert 'width="350"' in out and 'height="3"' not in out


@pytest.mark.parametrize("header, kind, size", [
    (b"GIF89a" + struct.pack("<HH", 640, 288), "gif", (640, 288)),
    (b"not an image", "png", None),
])
def test_image_size_reads_gif_headers_and_refuses_what_it_cannot_read(header, kind, size):
    assert step.image_size(header, kind) == size


def test_mermaid_loader_dropped_only_when_the_page_has_no_diagram(tmp_path):
    loader = ('<script type="module">\n  document.addEventListener("DOMContentLoaded", async () => {\n'
              '    const diagrams = document.querySelectorAll(".jp-Mermaid > pre.mermaid");\n</script>')
    page = f'<div class="jupyter-wrapper"><p>text</p></div>{loader}'
    context = dict(page=SimpleNamespace(file=SimpleNamespace(dest_uri="examples/x/index.html")),
                   config={"site_dir": str(tmp_path)})
    assert loader not in hook.on_post_page(page, **context)
    with_diagram = f'<div class="jupyter-wrapper"><div class="jp-Mermaid"></div></div>{loader}'
    assert loader in hook.on_post_page(with_diagram, **context)


# ------------------------------------------------------------------------------------ the built site


@pytest.mark.site
def test_built_notebook_pages_are_light_and_their_images_exist(built_site):
    pages = sorted((built_site / "examples").glob("*/index.html"))
    assert pages
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert len(text.encode()) < 300_000, f"{page}: {len(text.encode())} bytes"
        assert not re.search(r'<img [^>]*src="data:image/', text) and "cdnjs" not in text
        styles = sum(len(s) for s in re.findall(r"<style[^>]*>(.*?)</style>", text, re.S))
        assert styles < 60_000, f"{page}: {styles} bytes of inline CSS"
        images = re.findall(r'<img [^>]*src="(output-[0-9a-f]{16}\.(?:png|gif|jpg))"', text)
        assert images, f"{page}: no output image"
        for image in images:
            assert (page.parent / image).is_file()
