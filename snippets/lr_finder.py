"""The learning-rate range test (the "LR finder").

Train for a short while with a learning rate that grows exponentially from tiny to huge, one mini-batch per
step, and record the loss. The loss first stays flat, then falls, then explodes; a good learning rate lies
on the falling part, somewhat below the point where the loss is lowest.

The test runs on a *copy* of the parameters with plain SGD: the caller's parameters are left as they were
and no optimizer state is created, so training starts afterwards from the same point.

References: Smith, "Cyclical Learning Rates for Training Neural Networks", WACV 2017 (the range test);
fastai's ``lr_find`` (exponential sweep, smoothed loss, stop at 4x the best loss, "minimum / 10").
"""

import itertools
import math

import numpy as np


# --8<-- [start:range_test]
def lr_range_test(params, loss_and_grads, batches, *, lr_min=1e-7, lr_max=10.0, num_steps=100,
                  smoothing=0.98, diverge_factor=4.0):
    """Sweep the learning rate exponentially from ``lr_min`` to ``lr_max`` and record the loss.

    At step ``i`` the loss and gradients are computed on the next batch at the current (copied) weights,
    then one SGD step with ``lrs[i]`` is taken, as in fastai: ``losses[i]`` is the loss *before* the step
    with ``lrs[i]``. The run stops early when the smoothed loss exceeds ``diverge_factor`` times the best
    smoothed loss so far, or when the loss is not finite.

    Parameters
    ----------
    params : dict of str -> ndarray of float
        Starting parameters. Not modified: the sweep trains a copy.
    loss_and_grads : callable ``(params, batch) -> (loss, grads)``
        ``loss`` a finite real number, ``grads`` a dict with the same keys and shapes as ``params``.
    batches : iterable of batches (anything ``loss_and_grads`` accepts)
        Cycled if it yields fewer than ``num_steps`` batches.
    lr_min, lr_max : float, 0 < lr_min < lr_max
    num_steps : int >= 2
    smoothing : float in [0, 1)
        Weight of the past in the exponential moving average of the loss (0: no smoothing).
    diverge_factor : float > 1

    Returns
    -------
    dict with
        "lrs" : ndarray (steps run,), the learning rates, geometrically spaced
        "losses" : ndarray (steps run,), the bias-corrected exponentially smoothed loss
        "raw_losses" : ndarray (steps run,), the loss of each batch
        "stopped_early" : bool, True if the loss diverged before ``num_steps``
    """
    work = _check_params(params)  # copies: the caller's arrays are never written to
    _check_range_arguments(loss_and_grads, lr_min, lr_max, num_steps, smoothing, diverge_factor)
    schedule = lr_min * (lr_max / lr_min) ** (np.arange(num_steps) / (num_steps - 1))
    batch_stream = itertools.cycle(batches)  # cycle() keeps the first pass, so generators work too

    lrs, losses, raw_losses = [], [], []
    average, best, stopped_early = 0.0, math.inf, False
    for i, lr in enumerate(schedule):
        try:
            batch = next(batch_stream)
        except StopIteration:
            raise ValueError("batches must yield at least one batch") from None
        loss, grads = loss_and_grads(work, batch)
        loss = _check_loss(loss)
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
        grads = _check_grads(grads, work)
        with np.errstate(over="ignore", invalid="ignore"):  # a diverging run may overflow: it stops next
            work = {k: v - v.dtype.type(lr) * np.asarray(grads[k], dtype=v.dtype) for k, v in work.items()}
    return {"lrs": np.array(lrs), "losses": np.array(losses), "raw_losses": np.array(raw_losses),
            "stopped_early": stopped_early}
# --8<-- [end:range_test]


# --8<-- [start:suggest]
def suggest_lr(result, *, method="minimum", divisor=10.0):
    """Suggest a learning rate from a range test.

    Parameters
    ----------
    result : dict returned by :func:`lr_range_test`
    method : {"minimum", "steepest"}
        "minimum" (the default, fastai's ``minimum``): the learning rate at the lowest smoothed loss,
        divided by ``divisor``. The lowest point is where the loss is about to blow up, so one order of
        magnitude below it is still on the falling part of the curve.
        "steepest": the learning rate where the smoothed loss falls fastest against log(lr). Shown for
        comparison only: a slope is a difference of noisy losses, so it can jump by orders of magnitude
        between runs.
    divisor : float >= 1, used by "minimum" only

    Returns
    -------
    float, the suggested learning rate
    """
    if not isinstance(result, dict) or not {"lrs", "losses"} <= result.keys():
        raise TypeError("result must be the dict returned by lr_range_test")
    lrs, losses = np.asarray(result["lrs"], dtype=float), np.asarray(result["losses"], dtype=float)
    if lrs.ndim != 1 or lrs.shape != losses.shape or lrs.size < 3:
        raise ValueError(f"result needs at least 3 (lr, loss) pairs of equal length, got {lrs.size}")
    if isinstance(divisor, bool) or not isinstance(divisor, (int, float, np.integer, np.floating)):
        raise TypeError(f"divisor must be a number >= 1, got {type(divisor).__name__}")
    if not 1.0 <= divisor < math.inf:
        raise ValueError(f"divisor must be a finite number >= 1, got {divisor}")
    if method == "minimum":
        return float(lrs[np.argmin(losses)] / divisor)
    if method == "steepest":
        slopes = np.gradient(losses, np.log(lrs))
        return float(lrs[np.argmin(slopes)])
    raise ValueError(f"method must be 'minimum' or 'steepest', got {method!r}")
# --8<-- [end:suggest]


def _check_params(params):
    if not isinstance(params, dict) or not params:
        raise TypeError(f"params must be a non-empty dict of float arrays, got {type(params).__name__}")
    copies = {}
    for key, value in params.items():
        value = np.asarray(value)
        if not np.issubdtype(value.dtype, np.floating):
            raise TypeError(f"params[{key!r}] must be a float array, got dtype {value.dtype}")
        if not np.all(np.isfinite(value)):
            raise ValueError(f"params[{key!r}] must be finite, got NaN or inf")
        copies[key] = value.copy()
    return copies


def _check_range_arguments(loss_and_grads, lr_min, lr_max, num_steps, smoothing, diverge_factor):
    if not callable(loss_and_grads):
        raise TypeError("loss_and_grads must be a callable (params, batch) -> (loss, grads)")
    for name, value in (("lr_min", lr_min), ("lr_max", lr_max), ("smoothing", smoothing),
                        ("diverge_factor", diverge_factor)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if not (0 < lr_min < lr_max < math.inf):
        raise ValueError(f"need 0 < lr_min < lr_max < inf, got lr_min={lr_min}, lr_max={lr_max}")
    if isinstance(num_steps, bool) or not isinstance(num_steps, (int, np.integer)):
        raise TypeError(f"num_steps must be an integer >= 2, got {type(num_steps).__name__}")
    if num_steps < 2:
        raise ValueError(f"num_steps must be >= 2, got {num_steps}")
    if not 0 <= smoothing < 1:
        raise ValueError(f"smoothing must be in [0, 1), got {smoothing}")
    if not 1 < diverge_factor < math.inf:
        raise ValueError(f"diverge_factor must be a finite number > 1, got {diverge_factor}")


def _check_loss(loss):
    value = np.asarray(loss)
    if value.size != 1 or value.dtype.kind not in "fiu":
        raise TypeError(f"loss_and_grads must return a real scalar loss, got {loss!r}")
    return float(value.reshape(()))


def _check_grads(grads, params):
    if not isinstance(grads, dict) or grads.keys() != params.keys():
        raise ValueError(f"grads must be a dict with the same keys as params {sorted(params)}")
    for key, g in grads.items():
        if np.shape(g) != params[key].shape:
            raise ValueError(f"grads[{key!r}] has shape {np.shape(g)}, params has {params[key].shape}")
    return grads
