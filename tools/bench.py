"""How fast are the snippets? Time them against textbook NumPy and PyTorch on the CPU.

    python tools/bench.py                       # full run: prints a table, writes reports/bench.json
    python tools/bench.py --quick               # tiny sizes, one repeat (what the tests run)

Each comparison (one case at one size) runs in a fresh process, so a case cannot warm caches or
allocators for the next. Within it, every implementation runs ``--warmup`` times untimed and then
``--repeats`` times; the median is reported. Everything is float32. PyTorch runs with two threads.

"Textbook" means the direct transcription of the formula found in course assignments: one NumPy
expression per line of math, a temporary array per operation.

Bandwidth: the same run measures the machine's memory bandwidth with a copy and a triad (STREAM's
conventions: a copy moves 2 arrays, a triad ``a = b + s*c`` 3), and reports for each elementwise update the
bytes it must move at least, the floor time that implies, and the fraction of bandwidth achieved.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from snippets import adam, batchnorm, convolution, dropout, mlp, momentum  # noqa: E402

F32 = np.float32
TORCH_THREADS = 2
KEEP_PROB, LR, BETA, WD = 0.8, 0.01, 0.9, 0.01
# Least bytes each elementwise case must move per element (float32 = 4 bytes, bool mask = 1 byte):
# dropout: read a, write out and mask; read grad and mask, write dx.  momentum: read w, g, v; write w, v.
# AdamW: read w, g, m, v; write w, m, v.
MIN_BYTES_PER_ELEMENT = {"dropout": 4 + 4 + 1 + 4 + 1 + 4, "momentum": 5 * 4, "adamw": 7 * 4}


def _time(fn, warmup, repeats):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return {"median_s": statistics.median(times), "min_s": min(times), "repeats": repeats}


def _torch():
    import torch

    torch.set_num_threads(TORCH_THREADS)
    return torch


# --- the textbook forms ------------------------------------------------------------------------------

def textbook_dropout(a, da, keep_prob, rng):
    """As in course assignments: a float64 uniform mask cast to int, two multiplications each way."""
    d = rng.random(a.shape)
    d = (d < keep_prob).astype(int)
    out = a * d
    out = out / keep_prob
    dx = da * d
    dx = dx / keep_prob
    return out, dx


def textbook_momentum(w, g, v, lr, beta):
    """PyTorch's form, one expression per line of math: ``v = beta*v + g; w = w - lr*v``."""
    v = beta * v + g
    w = w - lr * v
    return w, v


def textbook_adamw(w, g, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8, wd=WD):
    w = w - lr * wd * w
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
    return w, m, v


def textbook_batchnorm(x, gamma, beta, dout, eps=1e-5):
    """CS231n's staged computation graph: forward step by step, backward node by node."""
    n = x.shape[0]
    mu = 1.0 / n * np.sum(x, axis=0)
    xmu = x - mu
    sq = xmu**2
    var = 1.0 / n * np.sum(sq, axis=0)
    sqrtvar = np.sqrt(var + eps)
    ivar = 1.0 / sqrtvar
    xhat = xmu * ivar
    out = gamma * xhat + beta
    dbeta = np.sum(dout, axis=0)
    dgammax = dout
    dgamma = np.sum(dgammax * xhat, axis=0)
    dxhat = dgammax * gamma
    divar = np.sum(dxhat * xmu, axis=0)
    dxmu1 = dxhat * ivar
    dsqrtvar = -1.0 / (sqrtvar**2) * divar
    dvar = 0.5 * 1.0 / np.sqrt(var + eps) * dsqrtvar
    dsq = 1.0 / n * np.ones_like(x) * dvar
    dxmu2 = 2 * xmu * dsq
    dx1 = dxmu1 + dxmu2
    dmu = -1 * np.sum(dxmu1 + dxmu2, axis=0)
    dx2 = 1.0 / n * np.ones_like(x) * dmu
    dx = dx1 + dx2
    return out, dx, dgamma, dbeta


def textbook_mlp_step(params, X, Y, lr):
    """One mini-batch of the course's L-layer network, transcribed batch-first: ReLU, softmax, SGD."""
    n_layers = len(params) // 2
    A, caches = X, []
    for layer in range(1, n_layers + 1):
        W, b = params[f"W{layer}"], params[f"b{layer}"]
        Z = A @ W.T + b
        caches.append((A, Z))
        A = np.maximum(0, Z) if layer < n_layers else Z
    expZ = np.exp(A - A.max(axis=1, keepdims=True))
    probs = expZ / expZ.sum(axis=1, keepdims=True)
    dZ = (probs - Y) / X.shape[0]
    for layer in range(n_layers, 0, -1):
        A_prev, _ = caches[layer - 1]
        dW = dZ.T @ A_prev
        db = dZ.sum(axis=0)
        if layer > 1:
            dZ = (dZ @ params[f"W{layer}"]) * (caches[layer - 2][1] > 0)  # through the ReLU below
        params[f"W{layer}"] = params[f"W{layer}"] - lr * dW
        params[f"b{layer}"] = params[f"b{layer}"] - lr * db
    return params


# --- cases: each returns {implementation: timing} plus facts ----------------------------------------

def case_bandwidth(n, warmup, repeats):
    src, dst = np.ones(n, F32), np.empty(n, F32)
    b, c, a = np.ones(n, F32), np.full(n, 2.0, F32), np.empty(n, F32)

    def triad():  # NumPy needs two operations: 5 array passes, counted as STREAM's 3
        np.multiply(c, F32(3.0), out=a)
        np.add(a, b, out=a)

    copy = _time(lambda: np.copyto(dst, src), warmup, repeats)
    tri = _time(triad, warmup, repeats)
    nbytes = n * 4
    return {"copy": {**copy, "GB_per_s": 2 * nbytes / copy["median_s"] / 1e9},
            "triad": {**tri, "GB_per_s": 3 * nbytes / tri["median_s"] / 1e9}}


def case_dropout(n, warmup, repeats):
    rng = np.random.default_rng(0)
    a, da = rng.standard_normal(n, dtype=F32), rng.standard_normal(n, dtype=F32)

    def snippet():
        out, mask = dropout.dropout_forward(a, KEEP_PROB, rng)
        return out, dropout.dropout_backward(da, mask, KEEP_PROB)

    results = {"snippet": _time(snippet, warmup, repeats),
               "textbook": _time(lambda: textbook_dropout(a, da, KEEP_PROB, rng), warmup, repeats)}
    torch = _torch()
    x, g = torch.from_numpy(a).requires_grad_(), torch.from_numpy(da)

    def torch_step():
        x.grad = None
        torch.nn.functional.dropout(x, p=1 - KEEP_PROB, training=True).backward(g)

    results["torch"] = _time(torch_step, warmup, repeats)
    return results


def case_momentum(n, warmup, repeats):
    rng = np.random.default_rng(0)
    w, g = rng.standard_normal(n, dtype=F32), rng.standard_normal(n, dtype=F32)
    params, grads = {"w": w.copy()}, {"w": g}
    state = momentum.init_momentum_state(params)
    state = momentum.momentum_step(params, grads, state, lr=LR, beta=BETA)[1]  # past the first step
    results = {"snippet": _time(lambda: momentum.momentum_step(params, grads, state, lr=LR, beta=BETA),
                                warmup, repeats)}
    if hasattr(momentum, "momentum_step_inplace"):
        fast_params, fast_state = {"w": w.copy()}, {"step": 1, "velocity": {"w": g.copy()}}
        results["snippet_inplace"] = _time(
            lambda: momentum.momentum_step_inplace(fast_params, grads, fast_state, lr=LR, beta=BETA),
            warmup, repeats)
    v = g.copy()
    results["textbook"] = _time(lambda: textbook_momentum(w, g, v, F32(LR), F32(BETA)), warmup, repeats)
    torch = _torch()
    tw = torch.from_numpy(w.copy()).requires_grad_()
    tw.grad = torch.from_numpy(g)
    for name, kwargs in [("torch", {}), ("torch_foreach", {"foreach": True})]:
        opt = torch.optim.SGD([tw], lr=LR, momentum=BETA, **kwargs)
        results[name] = _time(opt.step, warmup, repeats)
    return results


def case_adamw(n, warmup, repeats):
    rng = np.random.default_rng(0)
    w, g = rng.standard_normal(n, dtype=F32), rng.standard_normal(n, dtype=F32)
    params, grads = {"w": w.copy()}, {"w": g}
    state = adam.init_adam_state(params)
    kwargs = dict(lr=LR, weight_decay=WD, decoupled=True)
    results = {"snippet": _time(lambda: adam.adam_step(params, grads, state, **kwargs), warmup, repeats)}
    if hasattr(adam, "adam_step_inplace"):
        fast_params, fast_state = {"w": w.copy()}, adam.init_adam_state(params)
        results["snippet_inplace"] = _time(
            lambda: adam.adam_step_inplace(fast_params, grads, fast_state, **kwargs), warmup, repeats)
    # The least a NumPy step can cost: adam_step_inplace makes 15 calls per block; one call over
    # every block, of the cheapest kind (one array read and written in place), is timed here.
    scratch = w.copy()

    def one_numpy_pass():
        for start in range(0, n, adam.BLOCK):
            block = scratch[start:start + adam.BLOCK]
            block *= F32(1.0)

    results["numpy_pass"] = _time(one_numpy_pass, warmup, repeats)
    m, v = np.zeros(n, F32), np.zeros(n, F32)
    results["textbook"] = _time(lambda: textbook_adamw(w, g, m, v, 1, F32(LR)), warmup, repeats)
    torch = _torch()
    for name, extra in [("torch", {}), ("torch_fused", {"fused": True})]:
        tw = torch.from_numpy(w.copy()).requires_grad_()
        tw.grad = torch.from_numpy(g)
        opt = torch.optim.AdamW([tw], lr=LR, weight_decay=WD, **extra)
        results[name] = _time(opt.step, warmup, repeats)
    return results


def case_batchnorm(shape, warmup, repeats):
    rng = np.random.default_rng(0)
    x, dout = rng.standard_normal(shape, dtype=F32), rng.standard_normal(shape, dtype=F32)
    gamma, beta, state = batchnorm.init_batchnorm(shape[1], dtype=F32)

    def snippet():
        out, cache, _ = batchnorm.batchnorm_forward(x, gamma, beta, state)
        return batchnorm.batchnorm_backward(dout, cache)

    results = {"snippet": _time(snippet, warmup, repeats),
               "textbook": _time(lambda: textbook_batchnorm(x, gamma, beta, dout), warmup, repeats)}
    torch = _torch()
    tx = torch.from_numpy(x).requires_grad_()
    tg, tb = torch.ones(shape[1], requires_grad=True), torch.zeros(shape[1], requires_grad=True)
    rm, rv, tdout = torch.zeros(shape[1]), torch.ones(shape[1]), torch.from_numpy(dout)

    def torch_step():
        tx.grad = tg.grad = tb.grad = None
        torch.nn.functional.batch_norm(tx, rm, rv, tg, tb, training=True).backward(tdout)

    results["torch"] = _time(torch_step, warmup, repeats)
    return results


def _mlp_problem(n_examples, sizes):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n_examples, sizes[0]), dtype=F32)
    labels = rng.integers(0, sizes[-1], n_examples)
    Y = np.eye(sizes[-1], dtype=F32)[labels]
    params = {}
    for layer, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True), start=1):
        params[f"W{layer}"] = (rng.standard_normal((n_out, n_in)) * np.sqrt(2 / n_in)).astype(F32)
        params[f"b{layer}"] = np.zeros(n_out, F32)
    return rng, X, labels, Y, params


def case_mlp_epoch(n_examples, warmup, repeats, sizes=(784, 512, 256, 10), batch_size=256):
    rng, X, labels, Y, params0 = _mlp_problem(n_examples, sizes)
    lr = F32(LR)

    def snippet_epoch():
        params = dict(params0)
        order = rng.permutation(n_examples)
        for start in range(0, n_examples, batch_size):
            idx = order[start:start + batch_size]
            probs, cache = mlp.mlp_forward(params, X[idx])
            grads = mlp.mlp_backward(params, cache, Y[idx])
            params = {k: p - lr * grads[k] for k, p in params.items()}
        return params

    def textbook_epoch():
        params = dict(params0)
        order = rng.permutation(n_examples)
        for start in range(0, n_examples, batch_size):
            idx = order[start:start + batch_size]
            params = textbook_mlp_step(params, X[idx], Y[idx], lr)
        return params

    results = {"snippet": _time(snippet_epoch, warmup, repeats),
               "textbook": _time(textbook_epoch, warmup, repeats)}
    torch = _torch()
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
        layers += [torch.nn.Linear(n_in, n_out), torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1]).float()
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    tX, ty = torch.from_numpy(X), torch.from_numpy(labels)
    loss_fn = torch.nn.CrossEntropyLoss()

    def torch_epoch():
        order = torch.randperm(n_examples)
        for start in range(0, n_examples, batch_size):
            idx = order[start:start + batch_size]
            opt.zero_grad(set_to_none=True)
            loss_fn(model(tX[idx]), ty[idx]).backward()
            opt.step()

    results["torch"] = _time(torch_epoch, warmup, repeats)
    return results


CONV_LOOP_BATCHES = (1, 2)  # the loop version is timed on these batch sizes and scaled linearly


def case_conv2d(size, warmup, repeats):
    """conv2d forward + backward, 3x3 kernel, padding 1, size = (N, C_in, C_out, H, W).

    The loop transcription (``conv2d_forward_loops``/``conv2d_backward_loops``, the textbook form of
    course assignments) takes seconds per image, so it is timed on batches of 1 and 2 images, with no
    warm-up and three repeats, and its time for N images is the per-image time at 2 images times N (the
    loops do the same work for every image; the two batch sizes show it)."""
    n, c_in, c_out, h, w = size
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, c_in, h, w), dtype=F32)
    weight = (rng.standard_normal((c_out, c_in, 3, 3)) / np.sqrt(9 * c_in)).astype(F32)
    bias = np.zeros(c_out, F32)
    dout = rng.standard_normal((n, c_out, h, w), dtype=F32)

    def snippet():
        out, cache = convolution.conv2d_forward(x, weight, bias, padding=1)
        return convolution.conv2d_backward(dout, cache)

    results = {"snippet": _time(snippet, warmup, repeats)}
    per_image = {}
    for small in CONV_LOOP_BATCHES:
        small = min(small, n)

        def loops(small=small):
            convolution.conv2d_forward_loops(x[:small], weight, bias, padding=1)
            return convolution.conv2d_backward_loops(dout[:small], x[:small], weight, bias, padding=1)

        per_image[small] = _time(loops, 0, min(repeats, 3))["median_s"] / small
    largest = max(per_image)
    results["textbook"] = {"median_s": per_image[largest] * n, "repeats": min(repeats, 3),
                           "scaled_from_batch": largest,
                           "per_image_s": {str(k): v for k, v in per_image.items()}}
    torch = _torch()
    tx, tw = torch.from_numpy(x).requires_grad_(), torch.from_numpy(weight).requires_grad_()
    tb, tdout = torch.from_numpy(bias).requires_grad_(), torch.from_numpy(dout)

    def torch_step():
        tx.grad = tw.grad = tb.grad = None
        torch.nn.functional.conv2d(tx, tw, tb, padding=1).backward(tdout)

    results["torch"] = _time(torch_step, warmup, repeats)
    return results


CASES = {"bandwidth": case_bandwidth, "dropout": case_dropout, "momentum": case_momentum,
         "adamw": case_adamw, "batchnorm": case_batchnorm, "mlp_epoch": case_mlp_epoch,
         "conv2d": case_conv2d}
FULL_PLAN = ([("bandwidth", 10**7)]
             + [(case, n) for case in ("dropout", "momentum", "adamw") for n in (10**5, 10**6, 10**7)]
             + [("batchnorm", (256, 512)), ("batchnorm", (4096, 1024)), ("mlp_epoch", 60_000),
                ("conv2d", (64, 16, 32, 32, 32))])
QUICK_PLAN = ([("bandwidth", 10**4)] + [(case, 10**3) for case in ("dropout", "momentum", "adamw")]
              + [("batchnorm", (8, 4)), ("mlp_epoch", 512), ("conv2d", (2, 2, 3, 5, 6))])


# --- running and reporting ---------------------------------------------------------------------------

def run_one(case, size, warmup, repeats):
    """Run one comparison in a fresh Python process; returns its parsed JSON result."""
    cmd = [sys.executable, __file__, "--one", case, json.dumps(size), "--warmup", str(warmup),
           "--repeats", str(repeats)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=ROOT,
                         env={**os.environ, "PYTHONHASHSEED": "0"})
    return json.loads(out.stdout)


def _elements(size):
    return int(np.prod(size))


def analyse(rows):
    """Add ratios and, for elementwise updates, the bandwidth floor, to each row (in place)."""
    bandwidth = max(t["GB_per_s"] for row in rows if row["case"] == "bandwidth"
                    for t in row["results"].values())
    for row in rows:
        res = row["results"]
        if row["case"] == "bandwidth":
            continue
        best_snippet = min(v["median_s"] for k, v in res.items() if k.startswith("snippet"))
        best_torch = min(v["median_s"] for k, v in res.items() if k.startswith("torch"))
        row["ratios"] = {"textbook_over_snippet": res["textbook"]["median_s"] / best_snippet,
                         "snippet_over_torch": best_snippet / best_torch}
        if row["case"] in MIN_BYTES_PER_ELEMENT:
            min_bytes = MIN_BYTES_PER_ELEMENT[row["case"]] * _elements(row["size"])
            floor = min_bytes / (bandwidth * 1e9)
            row["bandwidth"] = {"min_bytes": min_bytes, "floor_s": floor,
                                "fraction": {k: floor / v["median_s"] for k, v in res.items()}}
    return bandwidth


def merge(recorded, new):
    """``recorded`` with the rows of ``new``'s cases replaced by ``new``'s (in FULL_PLAN's order), each
    marked with the date and bandwidth of the run that measured it; the rest is left as recorded."""
    cases = {row["case"] for row in new["rows"]} - {"bandwidth"}
    fresh = [{**row, "date": new["date"], "run_bandwidth_GB_per_s": new["bandwidth_GB_per_s"]}
             for row in new["rows"] if row["case"] in cases]
    kept = [row for row in recorded["rows"] if row["case"] not in cases]
    order = [case for case, _ in FULL_PLAN]
    rows = sorted(kept + fresh, key=lambda row: order.index(row["case"]) if row["case"] in order
                  else len(order))
    return {**recorded, "rows": rows}


def machine():
    info = {"python": platform.python_version(), "numpy": np.__version__, "machine": platform.machine(),
            "cpus": os.cpu_count(), "torch_threads": TORCH_THREADS}
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            info["cpu"] = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")),
                               platform.processor())
        with open("/proc/meminfo", encoding="utf-8") as f:
            info["memory_GiB"] = round(int(f.readline().split()[1]) / 2**20, 1)
    except OSError:
        pass
    try:
        import torch

        info["torch"] = torch.__version__
    except ImportError:
        info["torch"] = None
    return info


def table(report):
    lines = [f"{'case':<10} {'size':>14} {'impl':<16} {'median ms':>10} {'of bandwidth':>12}"]
    for row in report["rows"]:
        for impl, t in row["results"].items():
            frac = row.get("bandwidth", {}).get("fraction", {}).get(impl)
            frac_text = f"{frac:.0%}" if frac is not None else ""
            extra = f"  {t['GB_per_s']:.1f} GB/s" if "GB_per_s" in t else ""
            lines.append(f"{row['case']:<10} {json.dumps(row['size']):>14} {impl:<16} "
                         f"{t['median_s'] * 1e3:>10.3f} {frac_text:>12}{extra}")
        if "ratios" in row:
            r = row["ratios"]
            floor = row.get("bandwidth", {}).get("floor_s")
            floor_text = f", bandwidth floor {floor * 1e3:.3f} ms" if floor else ""
            lines.append(f"{'':<10} {'':>14} textbook/snippet {r['textbook_over_snippet']:.2f}x, "
                         f"snippet/torch {r['snippet_over_torch']:.2f}x{floor_text}")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one repeat (a smoke test)")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "bench.json")
    parser.add_argument("--cases", nargs="*", choices=sorted(CASES), help="run only these cases")
    parser.add_argument("--one", nargs=2, metavar=("CASE", "SIZE"), help=argparse.SUPPRESS)
    parser.add_argument("--merge-into", type=Path, metavar="REPORT",
                        help="with --cases: replace those cases' rows in REPORT (e.g. docs/data/bench.json) "
                             "by this run's, each dated, and keep its other rows and bandwidth")
    args = parser.parse_args(argv)

    if args.one:  # child process: one comparison, JSON on stdout
        case, size = args.one[0], json.loads(args.one[1])
        size = tuple(size) if isinstance(size, list) else size
        print(json.dumps(CASES[case](size, args.warmup, args.repeats)))
        return 0

    plan = QUICK_PLAN if args.quick else FULL_PLAN
    if args.cases:
        plan = [(case, size) for case, size in plan if case in args.cases or case == "bandwidth"]
    warmup, repeats = (0, 1) if args.quick else (args.warmup, args.repeats)
    rows = []
    for case, size in plan:
        reps = min(repeats, 3) if case == "mlp_epoch" else repeats
        print(f"running {case} {size} ...", file=sys.stderr, flush=True)
        rows.append({"case": case, "size": size, "results": run_one(case, size, warmup, reps)})
    bandwidth = analyse(rows)
    report = {"date": time.strftime("%Y-%m-%d"), "machine": machine(), "bandwidth_GB_per_s": bandwidth,
              "warmup": warmup, "repeats": repeats, "rows": rows}
    if args.merge_into:
        report = merge(json.loads(args.merge_into.read_text(encoding="utf-8")), report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(table(report))
    print(f"report: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
