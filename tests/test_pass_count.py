"""The pass count on the performance page is counted from the code, not typed.

``adam_step_inplace`` runs with every array it touches (the caller's and its own scratch buffers)
replaced by an ndarray subclass that records each NumPy call made on it: which ufunc, how many
distinct arrays it read and how many it wrote, and how many elements each. The page's table of the
decoupled (AdamW) step, its totals, its bytes and its floor times must be exactly what the run
records and what the recorded benchmark (docs/data/bench.json) measured.
"""

from __future__ import annotations

import json
import re
import types
from pathlib import Path

import numpy as np
import pytest

from snippets import adam

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "performance.md"
BENCH = json.loads((ROOT / "docs" / "data" / "bench.json").read_text(encoding="utf-8"))
SYMBOLS = {"*=": "multiply", "+=": "add", "-=": "subtract", "/=": "divide", "np.multiply": "multiply",
           "np.add": "add", "np.divide": "divide", "np.sqrt": "sqrt", "@": "matmul", ".min()": "minimum"}


class Recorded(np.ndarray):
    """An ndarray that logs every ufunc call it takes part in (reads and writes, in elements)."""

    log: list | None = None

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        def plain(x):
            return x.view(np.ndarray) if isinstance(x, Recorded) else x

        arrays = {(x.__array_interface__["data"][0], x.shape, x.strides): x.size
                  for x in inputs if isinstance(x, np.ndarray)}
        if out is not None:
            kwargs["out"] = tuple(plain(o) for o in out)
        result = getattr(ufunc, method)(*map(plain, inputs), **kwargs)
        written = sum(o.size for o in out) if out is not None else 0
        if Recorded.log is not None:
            Recorded.log.append((ufunc.__name__, method, sorted(arrays.values()), written))
        if out is not None:
            return out[0] if len(out) == 1 else out
        return result


def _recorded(x):
    return np.ascontiguousarray(x).view(Recorded)


def _run(monkeypatch, n, dtype=np.float32):
    """One AdamW step on n elements, every array recorded; returns the log of NumPy calls."""
    numpy_proxy = types.SimpleNamespace(**{k: getattr(np, k) for k in dir(np) if not k.startswith("__")})
    numpy_proxy.empty = lambda *a, **k: np.empty(*a, **k).view(Recorded)  # the scratch buffers
    monkeypatch.setattr(adam, "np", numpy_proxy)
    rng = np.random.default_rng(0)
    params = {"w": _recorded(rng.standard_normal(n).astype(dtype))}
    grads = {"w": _recorded(rng.standard_normal(n).astype(dtype))}
    moments = {name: {"w": _recorded(np.full(n, value, dtype))} for name, value in (("m", 0.1), ("s", 0.2))}
    state = {"t": 3, **moments}
    Recorded.log = []
    try:
        adam.adam_step_inplace(params, grads, state, lr=0.01, weight_decay=0.01, decoupled=True)
        return Recorded.log
    finally:
        Recorded.log = None


def _page_tables():
    text = PAGE.read_text(encoding="utf-8")
    section = text.split("{ #adamw-floor }", 1)[1].split("\n## ", 1)[0]
    tables = []
    for block in re.findall(r"(?:^\|.*\|\n)+", section, flags=re.MULTILINE):
        rows = [[c.strip() for c in line.strip("|").split("|")] for line in block.strip().splitlines()]
        tables.append([r for r in rows if not set("".join(r)) <= set("-: ")])
    return tables


def _split(log, n):
    """The validation's whole-array reads, then the update's calls on the (single) block."""
    checks = [entry for entry in log if entry[2] and max(entry[2]) == n and entry[3] == 0]
    update = [entry for entry in log if entry[3] > 0]
    return checks, update


def test_the_recorder_sees_every_operation(monkeypatch):
    """Sanity: on one block the update makes the 15 calls of the code, each on block-sized arrays."""
    log = _run(monkeypatch, 1000)
    checks, update = _split(log, 1000)
    assert len(update) == 15 and all(entry[3] == 1000 for entry in update)
    assert len(checks) == 5  # w, g, m, v dot products and v.min()


def test_the_pass_table_is_what_the_code_does(monkeypatch):
    calls, _ = _page_tables()[:2]
    header, *rows = calls
    assert header[:4] == ["step", "NumPy call", "reads", "writes"]
    n = 1000  # one block
    checks, update = _split(_run(monkeypatch, n), n)
    body, total = rows[:-1], rows[-1]
    assert len(body) == len(checks) + len(update)
    for row, (ufunc, _method, reads, writes) in zip(body, checks + update, strict=True):
        symbol = next(s for s in SYMBOLS if s in row[1])
        assert SYMBOLS[symbol] == ufunc, row
        assert int(row[2]) == len(reads) and all(r == n for r in reads), row
        assert int(row[3]) == writes // n, row
    total_reads = sum(len(entry[2]) for entry in checks + update)
    total_writes = sum(entry[3] // n for entry in update)
    assert total[2:4] == [f"**{total_reads}**", f"**{total_writes}**"]


def test_a_partial_last_block_makes_the_same_calls_on_fewer_elements(monkeypatch):
    n = 2 * adam.BLOCK + 17
    _, update = _split(_run(monkeypatch, n), n)
    assert len(update) == 3 * 15
    assert sum(entry[3] for entry in update) == 15 * n  # each call writes each element once


def _bench(case, impl, size=10**7):
    row = next(r for r in BENCH["rows"] if r["case"] == case and r["size"] == size)
    return row["results"][impl]["median_s"]


def test_the_floor_table_follows_from_the_passes_and_the_recorded_bandwidth(monkeypatch):
    _, floors, _ = _page_tables()[:3]
    n = 1000
    checks, update = _split(_run(monkeypatch, n), n)
    passes_unblocked = sum(len(e[2]) for e in checks + update) + sum(e[3] // n for e in update)
    bandwidth = BENCH["bandwidth_GB_per_s"] * 1e9
    fused = _bench("adamw", "torch_fused")
    expected = {
        "unblocked": passes_unblocked,
        "blocked": 7,  # read w, g, m, v; write w, m, v: each array once
        "checked": 7 + len(checks),  # plus one read per array for the checks, and v.min()
    }
    header, *rows = floors
    assert header == ["memory traffic", "passes", "bytes per element", "floor at 1e7",
                      "floor / PyTorch fused"]
    assert len(rows) == len(expected)
    for row in rows:
        passes = expected[row[0].split(":")[0].strip("*")]
        floor = passes * 4 * 10**7 / bandwidth
        cells = [str(passes), str(4 * passes), f"{floor * 1e3:.1f} ms", f"{floor / fused:.2f}×"]
        assert row[1:] == cells, row


def test_the_call_count_table_follows_from_the_code_and_the_recorded_run(monkeypatch):
    """NumPy runs the step's calls one by one: at least one blocked pass each."""
    *_, measured = _page_tables()[:3]
    calls = len(_split(_run(monkeypatch, 1000), 1000)[1])
    fused = _bench("adamw", "torch_fused")
    one_pass = _bench("adamw", "numpy_pass")
    expected = {"PyTorch fused": fused, "one blocked NumPy pass": one_pass,
                f"{calls} such passes": calls * one_pass,
                "snippet, in place": _bench("adamw", "snippet_inplace")}
    header, *rows = measured
    assert header == ["measured at 1e7 float32", "time", "/ PyTorch fused"]
    assert len(rows) == len(expected)
    for row, (label, seconds) in zip(rows, expected.items(), strict=True):
        assert label in row[0], row
        assert row[1:] == [f"{seconds * 1e3:.1f} ms", f"{seconds / fused:.2f}×"], row
    # The conclusion the page draws: the calls alone miss the 2.5x target.
    ratio = calls * one_pass / fused
    assert ratio > 2.5
    assert f"{ratio:.2f}×" in PAGE.read_text(encoding="utf-8")


@pytest.mark.parametrize("decoupled", [False, True])
def test_recording_does_not_change_the_result(monkeypatch, decoupled):
    rng = np.random.default_rng(1)
    w, g = rng.standard_normal((2, 300)).astype(np.float32)
    plain = {"w": w.copy()}
    adam.adam_step_inplace(plain, {"w": g}, adam.init_adam_state(plain), decoupled=decoupled)
    log = _run(monkeypatch, 300)
    assert log
    recorded = {"w": _recorded(w)}
    adam.adam_step_inplace(recorded, {"w": _recorded(g)}, adam.init_adam_state({"w": w}), decoupled=decoupled)
    np.testing.assert_array_equal(recorded["w"].view(np.ndarray), plain["w"])
