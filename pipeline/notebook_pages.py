"""Notebook pages as light as the other pages: the CSS they use, images as files, no dead scripts.

mkdocs-jupyter (0.26) puts into every notebook page all of JupyterLab's CSS (about 570 KB, inline,
render-blocking: most of it styles JupyterLab's own interface, widgets and icons) and every output
image as base64 inside the HTML. A notebook page weighed 556 KB and took 3.8 s to its first paint in
Lighthouse's mobile run, against 1.1 s for a technique page. This hook, after the page is rendered:

- prunes each of the page's inline stylesheets (not the math one, docs/hooks/mathjax.py) to the rules
  whose selectors can match the page: a selector is dropped when it needs a class that no element of
  the page has (classes inside ``:not()``, ``:is()``, ``:where()`` and ``:has()`` are not required);
  then drops the custom properties (``--jp-...``) that no kept rule uses, directly or through another
  property, and the ``@keyframes`` no kept rule names. Nothing on a notebook page adds classes to its
  cells after load (there is no JupyterLab JavaScript on it), so no rule that could ever apply is lost;
- writes each base64 output image to a file beside the page (named by its content's hash) and links it
  with ``loading="lazy"`` and its width and height, so the text arrives first and nothing shifts;
- drops mkdocs-jupyter's Mermaid loader (a script that imports Mermaid from a CDN, and its styles) from
  pages that have no Mermaid diagram: it never runs there.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import struct
from pathlib import Path

import tinycss2

STYLE = re.compile(r"<style(?![^>]*\bid=\"mathjax-chtml\")([^>]*)>(.*?)</style>", re.S)
CLASS_ATTRIBUTE = re.compile(r'\bclass="([^"]*)"')
SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b.*?</\1>", re.S)
MERMAID_SCRIPT = re.compile(r'<script type="module">(?:(?!</script>).)*?\.jp-Mermaid.*?</script>', re.S)
DATA_IMAGE = re.compile(r'<img\b([^>]*?)\bsrc="data:image/(png|jpeg|gif);base64,([A-Za-z0-9+/=\s]+)"([^>]*)>')
CUSTOM_PROPERTY_USE = re.compile(r"var\(\s*(--[\w-]+)")
# Classes inside these pseudo-classes do not have to be on the page for the selector to match.
OPTIONAL_FUNCTIONS = {"not", "is", "where", "has", "-webkit-any", "-moz-any"}


def prune_page(output: str, page_dir: Path) -> str:
    """A built notebook page pruned (other pages unchanged); its images are written into ``page_dir``,
    the folder of its ``index.html``."""
    if 'class="jupyter-wrapper"' not in output:
        return output
    if "jp-Mermaid" not in SCRIPT_OR_STYLE.sub("", output):
        output = MERMAID_SCRIPT.sub("", output)
    classes = page_classes(output)
    sheets = [match.group(2) for match in STYLE.finditer(output)]
    pruned = iter(prune_css(sheets, classes))
    output = STYLE.sub(lambda m: f"<style{m.group(1)}>{next(pruned)}</style>", output)
    output = re.sub(r"<style[^>]*>\s*</style>\s*", "", output)
    return externalize_images(output, page_dir)


def page_classes(output: str) -> set[str]:
    """Every class any element of the page has (outside scripts and styles)."""
    body = SCRIPT_OR_STYLE.sub("", output)
    return {name for match in CLASS_ATTRIBUTE.finditer(body)
            for name in html.unescape(match.group(1)).split()}


# ---------------------------------------------------------------------------------------------- CSS


def prune_css(sheets: list[str], classes: set[str]) -> list[str]:
    """The rules of each stylesheet of a page that can match its elements (which have ``classes``).

    A custom property or ``@keyframes`` is kept when a kept rule of any of the sheets uses it.
    """
    parsed = [
        _prune_rules(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True), classes)
        for css in sheets
    ]
    used = _used_names([rule for rules in parsed for rule in rules])
    return ["".join(_drop_unused(rules, used)) for rules in parsed]


def _selectors(prelude) -> list[list]:
    """Split a rule's prelude on its top-level commas."""
    selectors, current = [], []
    for token in prelude:
        if token.type == "literal" and token.value == ",":
            selectors.append(current)
            current = []
        else:
            current.append(token)
    selectors.append(current)
    return selectors


def _required_classes(selector) -> set[str]:
    required, previous = set(), None
    for token in selector:
        after_dot = previous is not None and previous.type == "literal" and previous.value == "."
        if token.type == "ident" and after_dot:
            required.add(token.value)
        elif token.type == "function" and token.lower_name.lstrip(":") not in OPTIONAL_FUNCTIONS:
            # e.g. :nth-child(2 of .x): be conservative, require the classes inside too
            required |= _required_classes(token.arguments)
        previous = token
    return required


def _prune_rules(rules, classes: set[str]) -> list:
    """Rules (as a list of parsed nodes and kept preludes) that can apply to the page."""
    kept = []
    for rule in rules:
        if rule.type == "qualified-rule":
            selectors = [s for s in _selectors(rule.prelude) if _required_classes(s) <= classes]
            if selectors:
                prelude = ",".join(tinycss2.serialize(s).strip() for s in selectors)
                kept.append(("style", prelude, _declarations(rule.content)))
        elif rule.type == "at-rule":
            name = rule.lower_at_keyword
            if name in ("media", "supports", "layer", "container") and rule.content is not None:
                inner = _prune_rules(
                    tinycss2.parse_blocks_contents(rule.content, skip_comments=True, skip_whitespace=True),
                    classes)
                if inner:
                    kept.append(("group", f"@{rule.at_keyword}{tinycss2.serialize(rule.prelude)}", inner))
            elif name.endswith("keyframes"):
                kept.append(("keyframes", tinycss2.serialize(rule.prelude).strip(), rule))
            elif name == "charset":
                continue
            else:
                kept.append(("raw", None, rule))
    return kept


def _declarations(content) -> list[tuple[str, str, bool]]:
    declarations = []
    for node in tinycss2.parse_blocks_contents(content, skip_comments=True, skip_whitespace=True):
        if node.type == "declaration":
            declarations.append((node.name, tinycss2.serialize(node.value).strip(), node.important))
    return declarations


def _walk(rules):
    for kind, head, body in rules:
        if kind == "group":
            yield from _walk(body)
        else:
            yield kind, head, body


def _used_names(rules) -> tuple[set[str], set[str]]:
    """Custom properties used (transitively) and animation names used by the kept style rules."""
    definitions: dict[str, list[str]] = {}
    used, words = set(), set()
    for kind, _, body in _walk(rules):
        if kind != "style":
            continue
        for name, value, _ in body:
            if name.startswith("--"):
                definitions.setdefault(name, []).append(value)
            else:
                used |= set(CUSTOM_PROPERTY_USE.findall(value))
                if name.startswith(("animation", "-webkit-animation", "-moz-animation")):
                    words |= set(re.findall(r"[\w-]+", value))
    pending = list(used)
    while pending:
        for value in definitions.get(pending.pop(), []):
            for name in CUSTOM_PROPERTY_USE.findall(value):
                if name not in used:
                    used.add(name)
                    pending.append(name)
    return used, words


def _drop_unused(rules, names) -> list[str]:
    used, animations = names
    out = []
    for kind, head, body in rules:
        if kind == "style":
            kept = [(n, v, i) for n, v, i in body if not n.startswith("--") or n in used]
            if kept:
                declarations = ";".join(f"{n}:{v}{' !important' if i else ''}" for n, v, i in kept)
                out.append(f"{head}{{{declarations}}}")
        elif kind == "group":
            inner = _drop_unused(body, names)
            if inner:
                out.append(f"{head}{{{''.join(inner)}}}")
        elif kind == "keyframes":
            if head in animations:
                out.append(tinycss2.serialize([body]))
        else:
            out.append(tinycss2.serialize([body]))
    return out


# ------------------------------------------------------------------------------------------- images


def image_size(data: bytes, kind: str) -> tuple[int, int] | None:
    """Width and height in pixels from a PNG or GIF header (None for anything else)."""
    if kind == "png" and data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
        return struct.unpack(">II", data[16:24])
    if kind == "gif" and data[:6] in (b"GIF87a", b"GIF89a"):
        return struct.unpack("<HH", data[6:10])
    return None


def externalize_images(output: str, page_dir: Path) -> str:
    def to_file(match: re.Match) -> str:
        before, kind, payload, after = match.groups()
        data = base64.b64decode("".join(payload.split()))
        name = f"output-{hashlib.sha256(data).hexdigest()[:16]}.{'jpg' if kind == 'jpeg' else kind}"
        page_dir.mkdir(parents=True, exist_ok=True)
        path = page_dir / name
        if not path.is_file():
            path.write_bytes(data)
        attributes = f"{before} {after}"
        extra = ""
        if "loading=" not in attributes:
            extra += ' loading="lazy" decoding="async"'
        size = image_size(data, kind)
        if size and "width=" not in attributes and "height=" not in attributes:
            extra += f' width="{size[0]}" height="{size[1]}"'
        return f'<img{before}src="{name}"{extra}{after}>'

    return DATA_IMAGE.sub(to_file, output)
