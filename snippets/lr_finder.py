"""The learning-rate range test (the "LR finder").

Train for a short while with a learning rate that grows exponentially from tiny to huge,
one mini-batch per step, and record the loss. The loss first stays flat, then falls,
then explodes; a good learning rate lies on the falling part, somewhat below the point
where the loss is lowest.

The test runs on a *copy* of the parameters with plain SGD: the caller's parameters are
left as they were and no optimizer state is created, so training starts afterwards from
the same point.

References: Smith, "Cyclical Learning Rates for Training Neural Networks", WACV 2017
(the range test); fastai's ``lr_find`` (exponential sweep, smoothed loss, stop at 4x the
best loss, "minimum / 10").
"""

import itertools
import math

import numpy as np


# --8<-- [start:range_test]
def lr_range_test(params, loss_and_grads, batches, *, lr_min=1e-7, lr_max=10.0,
                  num_steps=100, smoothing=0.98, diverge_factor=4.0):
    """Sweep the learning rate exponentially from ``lr_min`` to ``lr_max`` and record
    the loss.

    At step ``i`` the loss and gradients are computed on the next batch at the current
    (copied) weights, then one SGD step with ``lrs[i]`` is taken, as in fastai:
    ``losses[i]`` is the loss *before* the step with ``lrs[i]``. The run stops early
    when the smoothed loss exceeds ``diverge_factor`` times the best smoothed loss so
    far, or when the loss or a gradient is not finite.

    Parameters
    ----------
    params : dict of str -> ndarray of float
        Starting parameters. Not modified: the sweep trains a copy.
    loss_and_grads : callable ``(params, batch) -> (loss, grads)``
        ``loss`` a finite real number, ``grads`` a dict with the same keys and shapes as
        ``params``.
    batches : iterable of batches (anything ``loss_and_grads`` accepts)
        Cycled if it yields fewer than ``num_steps`` batches.
    lr_min, lr_max : float, 0 < lr_min < lr_max
    num_steps : int >= 2
    smoothing : float in [0, 1)
        Weight of the past in the exponential moving average of the loss (0: no
        smoothing).
    diverge_factor : float > 1

    Returns
    -------
    dict with
        "lrs" : ndarray (steps run,), the learning rates, geometrically spaced
        "losses" : ndarray (steps run,), the bias-corrected exponentially smoothed loss
        "raw_losses" : ndarray (steps run,), the loss of each batch
        "stopped_early" : bool, True if the loss diverged before ``num_steps``
    """
    work = {k: p.copy() for k, p in _check_params(params, "params").items()}  # a copy
    _check_range_arguments(loss_and_grads, lr_min, lr_max, num_steps, smoothing,
                           diverge_factor)
    _check_iterable(batches, "batches")
    schedule = lr_min * (lr_max / lr_min) ** (np.arange(num_steps) / (num_steps - 1))
    # cycle() keeps the first pass, so generators work too
    batch_stream = itertools.cycle(batches)

    lrs, losses, raw_losses = [], [], []
    average, best, stopped_early = 0.0, math.inf, False
    for i, lr in enumerate(schedule):
        try:
            batch = next(batch_stream)
        except StopIteration:
            raise ValueError("batches must yield at least one batch") from None
        loss, grads = _check_returned_pair(loss_and_grads(work, batch))
        if not math.isfinite(loss):
            stopped_early = True
            break
        average = smoothing * average + (1 - smoothing) * loss
        smoothed = average / (1 - smoothing ** (i + 1))  # bias correction, as in Adam
        lrs.append(lr)
        losses.append(smoothed)
        raw_losses.append(loss)
        if smoothed > diverge_factor * best:
            stopped_early = True
            break
        best = min(best, smoothed)
        grads = _check_returned_grads(grads, work)
        if not all(np.all(np.isfinite(g)) for g in grads.values()):
            stopped_early = True  # a gradient overflowed: the run diverged
            break
        # a diverging run may overflow: it stops next
        with np.errstate(over="ignore", invalid="ignore"):
            work = {k: v - v.dtype.type(lr) * np.asarray(grads[k], dtype=v.dtype)
                    for k, v in work.items()}
    return {"lrs": np.array(lrs), "losses": np.array(losses),
            "raw_losses": np.array(raw_losses), "stopped_early": stopped_early}
# --8<-- [end:range_test]


# --8<-- [start:suggest]
def suggest_lr(result, *, method="minimum", divisor=10.0):
    """Suggest a learning rate from a range test.

    Parameters
    ----------
    result : dict returned by :func:`lr_range_test`
    method : {"minimum", "steepest"}
        "minimum" (the default, fastai's ``minimum``): the learning rate at the lowest
        smoothed loss, divided by ``divisor``. The lowest point is where the loss is
        about to blow up, so one order of magnitude below it is still on the falling
        part of the curve.
        "steepest": the learning rate where the smoothed loss falls fastest against
        log(lr). Shown for comparison only: a slope is a difference of noisy losses, so
        it can jump by orders of magnitude between runs.
    divisor : float >= 1, used by "minimum" only

    Returns
    -------
    float, the suggested learning rate
    """
    lrs, losses = _check_result(result)
    _check_choice(method, "method", ("minimum", "steepest"))
    divisor = _check_number(divisor, "divisor", 1)
    if method == "minimum":
        return float(lrs[np.argmin(losses)] / divisor)
    slopes = np.gradient(losses, np.log(lrs))  # method == "steepest"
    return float(lrs[np.argmin(slopes)])
# --8<-- [end:suggest]


def _check_range_arguments(loss_and_grads, lr_min, lr_max, num_steps, smoothing,
                           diverge_factor):
    _check_callable(loss_and_grads, "loss_and_grads",
                    "(params, batch) -> (loss, grads)")
    _check_number(lr_min, "lr_min", 0, low_open=True)
    _check_number(lr_max, "lr_max", 0, low_open=True)
    if not lr_min < lr_max:
        raise ValueError(f"need 0 < lr_min < lr_max, got lr_min={lr_min}, "
                         f"lr_max={lr_max}")
    _check_int(num_steps, "num_steps", 2)
    _check_number(smoothing, "smoothing", 0, 1, high_open=True)
    _check_number(diverge_factor, "diverge_factor", 1, low_open=True)


def _check_iterable(batches, name):
    try:
        iter(batches)
    except TypeError:
        raise TypeError(f"{name} must be an iterable of batches, "
                        f"got {type(batches).__name__}") from None


def _check_returned_pair(result):
    if not isinstance(result, tuple) or len(result) != 2:
        raise ValueError("loss_and_grads must return a pair (loss, grads), got "
                         f"{result!r}")
    loss, grads = result
    value = np.asarray(loss)
    if value.size != 1 or value.dtype.kind not in "fiu":
        raise ValueError(f"loss_and_grads must return a real scalar loss, got {loss!r}")
    return float(value.reshape(())), grads


def _check_returned_grads(grads, params):
    if not isinstance(grads, dict) or grads.keys() != params.keys():
        raise ValueError("loss_and_grads must return grads with the same keys as "
                         f"params {sorted(params)}, got {grads!r:.80}")
    out = {}
    for key, g in grads.items():
        g = np.asarray(g)
        if g.dtype not in (np.float32, np.float64) or g.shape != params[key].shape:
            raise ValueError(f"loss_and_grads must return grads[{key!r}] as a float "
                             "array "
                             f"of shape {params[key].shape}, got {g.dtype} {g.shape}")
        out[key] = g
    return out


def _check_result(result):
    if not isinstance(result, dict) or not {"lrs", "losses"} <= result.keys():
        raise TypeError("result must be the dict returned by lr_range_test")
    lrs = _check_float_array(result["lrs"], "result['lrs']", ndim=1)
    losses = _check_float_array(result["losses"], "result['losses']", shape=lrs.shape)
    if lrs.size < 3:
        raise ValueError(f"result needs at least 3 (lr, loss) pairs, got {lrs.size}")
    if not (lrs[0] > 0 and np.all(np.diff(lrs) > 0)):
        raise ValueError("result['lrs'] must be positive and increasing, as "
                         "lr_range_test returns them")
    return lrs, losses


def _check_float_array(x, name, ndim=None, shape=None):
    x = np.asarray(x)
    if x.dtype not in (np.float32, np.float64):
        raise TypeError(f"{name} must be a float array (float32 or float64), "
                        f"got dtype {x.dtype}")
    if ndim is not None and x.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {x.shape}")
    if shape is not None and x.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {x.shape}")
    if x.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must be finite, got NaN or inf")
    return x


def _check_params(params, name):
    if not isinstance(params, dict) or not params:
        raise TypeError(f"{name} must be a non-empty dict of float arrays, "
                        f"got {type(params).__name__}")
    for key in params:
        if not isinstance(key, str):
            raise TypeError(f"{name} keys must be strings like 'W1', got {key!r}")
    return {key: _check_float_array(value, f"{name}[{key!r}]")
            for key, value in params.items()}


def _check_number(value, name, low=-np.inf, high=np.inf, low_open=False,
                  high_open=False):
    left = "(" if low_open or low == -np.inf else "["
    right = ")" if high_open or high == np.inf else "]"
    interval = f"{left}{low:g}, {high:g}{right}"
    if isinstance(value, (bool, np.bool_)) or not isinstance(
            value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number in {interval}, "
                        f"got {type(value).__name__}")
    value = float(value)
    above = value > low if low_open else value >= low
    below = value < high if high_open else value <= high
    if not (np.isfinite(value) and above and below):  # NaN fails every comparison
        raise ValueError(f"{name} must be in {interval}, got {value}")
    return value


def _check_int(value, name, low):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer >= {low}, "
                        f"got {type(value).__name__}")
    if value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value}")
    return int(value)


def _check_choice(value, name, choices):
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {choices}, got {type(value).__name__}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")
    return value


def _check_callable(fn, name, signature):
    if not callable(fn):
        raise TypeError(f"{name} must be a callable {signature}, "
                        f"got {type(fn).__name__}")
