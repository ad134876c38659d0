"""Render the recorded benchmark run (docs/data/bench.json, written by ``make bench``) into the
performance page, so the tables on the page are the numbers of one real run, never typed by hand.

Markers: ``<!-- benchmark: machine -->``, ``<!-- benchmark: elementwise -->``,
``<!-- benchmark: layers -->``, ``<!-- benchmark: targets -->`` and
``<!-- benchmark: separate-runs -->``. An unknown marker fails the build.
"""

from __future__ import annotations

import json
import re

from pipeline import ROOT, BuildError

DATA = ROOT / "docs" / "data" / "bench.json"
MARKER = re.compile(r"<!-- benchmark: ([\w-]+) -->")
NAMES = {"snippet": "snippet", "snippet_inplace": "snippet, in place", "textbook": "textbook NumPy",
         "torch": "PyTorch", "torch_foreach": "PyTorch (foreach)", "torch_fused": "PyTorch (fused)",
         "numpy_pass": "one blocked NumPy pass"}
# The targets of the project's performance issue: (case, test, threshold, what it means).
TARGETS = [
    ("dropout", "snippet_over_torch", 1.0, "forward+backward no slower than PyTorch"),
    ("momentum", "textbook_over_snippet", 1.7, "at least 1.7x faster than the textbook update"),
    ("momentum", "snippet_over_torch", 2.5, "within 2.5x of PyTorch's step"),
    ("adamw", "textbook_over_snippet", 1.7, "at least 1.7x faster than the textbook update"),
    ("adamw", "snippet_over_torch", 2.5, "within 2.5x of PyTorch's step"),
    ("mlp_epoch", "snippet_over_torch", 1.5, "an epoch within 1.5x of PyTorch"),
    ("conv2d", "snippet_over_torch", 3.0, "forward+backward within 3x of PyTorch"),
    ("conv2d", "textbook_over_snippet", 20.0, "at least 20x faster than the loop transcription"),
]


def _size(size):
    if isinstance(size, list):
        return " × ".join(f"{s:,}" for s in size)
    return f"{size:.0e}".replace("e+0", "e") if size >= 1e5 and size % 10 == 0 else f"{size:,}"


def _ms(seconds):
    return f"{seconds * 1e3:.3g} ms" if seconds < 1 else f"{seconds:.2f} s"


def _best(results, prefix):
    return min(v["median_s"] for k, v in results.items() if k.startswith(prefix))


def _machine(report):
    m = report["machine"]
    return (f"Recorded on {report['date']}: {m.get('cpu', m['machine'])}, {m['cpus']} cores, "
            f"{m.get('memory_GiB', '?')} GiB; Python {m['python']}, NumPy {m['numpy']}, PyTorch {m['torch']} "
            f"({m['torch_threads']} threads). Medians of {report['repeats']} runs after {report['warmup']} "
            f"warm-up runs (3 runs for the MLP epoch). Memory bandwidth measured in the same run: "
            f"**{report['bandwidth_GB_per_s']:.1f} GB/s** (copy and triad, STREAM's byte counting).")


def _impl_columns(rows):
    seen = []
    for row in rows:
        for impl in row["results"]:
            if impl not in seen:
                seen.append(impl)
    return seen


def _table(rows, with_floor):
    impls = _impl_columns(rows)
    head = ["case", "size"] + [NAMES.get(i, i) for i in impls] + ["textbook / snippet", "snippet / PyTorch"]
    if with_floor:
        head += ["bandwidth floor", "best snippet, share of floor"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        res = row["results"]
        cells = [row["case"], _size(row["size"])]
        cells += [_ms(res[i]["median_s"]) if i in res else "" for i in impls]
        ratios = row["ratios"]
        cells += [f"{ratios['textbook_over_snippet']:.2f}×", f"{ratios['snippet_over_torch']:.2f}×"]
        if with_floor:
            floor = row["bandwidth"]["floor_s"]
            cells += [_ms(floor), f"{floor / _best(res, 'snippet'):.0%}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _targets(report):
    lines = ["| target | size | measured | met |", "|---|---|---|---|"]
    for case, ratio, threshold, meaning in TARGETS:
        for row in report["rows"]:
            small = isinstance(row["size"], (int, float)) and row["size"] < 10**6
            if row["case"] != case or (case != "mlp_epoch" and small):
                continue
            value = row["ratios"][ratio]
            met = value >= threshold if ratio == "textbook_over_snippet" else value <= threshold
            label = "textbook / snippet" if ratio == "textbook_over_snippet" else "snippet / PyTorch"
            lines.append(f"| {case}: {meaning} | {_size(row['size'])} | {label} = {value:.2f}× | "
                         f"{'yes' if met else '**no**'} |")
    return "\n".join(lines)


def _separate_runs(report):
    """Rows measured in a later run than the recorded one (``tools/bench.py --merge-into``)."""
    later = [row for row in report["rows"] if "date" in row]
    if not later:
        return "Every row above comes from the recorded run."
    parts = [f"{row['case']} ({_size(row['size'])}) on {row['date']}, memory bandwidth in that run "
             f"{row['run_bandwidth_GB_per_s']:.1f} GB/s" for row in later]
    return ("Measured in a later run of `tools/bench.py --cases ... --merge-into`, each comparison still "
            "in one process: " + "; ".join(parts) + ".")


def render(markdown, report):
    elementwise = [r for r in report["rows"] if "bandwidth" in r]
    layers = [r for r in report["rows"] if r["case"] in {"batchnorm", "mlp_epoch", "conv2d"}]
    renderers = {"machine": lambda: _machine(report), "elementwise": lambda: _table(elementwise, True),
                 "layers": lambda: _table(layers, False), "targets": lambda: _targets(report),
                 "separate-runs": lambda: _separate_runs(report)}

    def replace(match):
        name = match.group(1)
        if name not in renderers:
            raise BuildError(f"unknown benchmark marker {name!r}; known: {sorted(renderers)}")
        return renderers[name]()

    return MARKER.sub(replace, markdown)


def page_markdown(markdown: str, page_src: str) -> str:
    """One page's Markdown with its benchmark markers replaced (unchanged without a marker)."""
    if not MARKER.search(markdown):
        return markdown
    try:
        report = json.loads(DATA.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise BuildError(f"{page_src}: cannot read the recorded benchmark {DATA}: {err}") from err
    return render(markdown, report)
