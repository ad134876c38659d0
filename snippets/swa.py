"""Stochastic weight averaging (SWA), and its exponential cousin (EMA of the weights).

Keep training with a constant or cyclical learning rate late in training, and average
the weights visited at regular intervals with equal weights. The average sits nearer the
centre of a wide, flat region of low loss than any single iterate, which tends to
generalize better. An exponential moving average (EMA) of the weights instead weights
recent snapshots most: :func:`ema_update`.

After averaging, the running statistics of any batch-normalization layer no longer match
the averaged weights: recompute them with one pass over the training data (PyTorch's
``torch.optim.swa_utils.update_bn``).

Reference: Izmailov, Podoprikhin, Garipov, Vetrov and Wilson, "Averaging Weights Leads
to Wider Optima and Better Generalization", UAI 2018. The EMA of the weights is a
variant of Polyak averaging with exponential instead of equal weights, as in PyTorch's
``torch.optim.swa_utils.get_ema_multi_avg_fn``.
"""

import numpy as np


# --8<-- [start:init]
def init_swa_state(params):
    """An empty running average for parameters shaped like ``params``.

    Parameters
    ----------
    params : dict of str -> ndarray of float
        The model's parameters (``{"W1": ..., "b1": ...}``); only their keys, shapes and
        dtypes are used.

    Returns
    -------
    state : dict
        ``{"averaged": dict of copies of params, "n_averaged": 0}``. The first
        :func:`swa_update` (or :func:`ema_update`) replaces the copies, so the average
        holds only the snapshots given to it (as ``torch.optim.swa_utils.AveragedModel``
        does).
    """
    params = _check_params(params, "params")
    return {"averaged": {k: v.copy() for k, v in params.items()}, "n_averaged": 0}
# --8<-- [end:init]


# --8<-- [start:update]
def swa_update(state, params):
    """Add one snapshot of ``params`` to the equal-weight running average.

    With ``n`` snapshots already averaged,
    ``average <- average + (params - average) / (n + 1)``, which is the mean of all
    ``n + 1`` snapshots without storing them.

    Parameters
    ----------
    state : dict from :func:`init_swa_state` or a previous :func:`swa_update`
    params : dict of str -> ndarray of float, same keys, shapes and dtypes as the
        state's average

    Returns
    -------
    new_state : dict, a new average and ``n_averaged + 1`` (``state`` and ``params``
        are not modified)
    """
    averaged, n = _check_swa_state(state)
    params = _check_params(params, "params")
    _check_same_layout(averaged, params, "params", "state['averaged']")
    new = {}
    for key, avg in averaged.items():
        p = params[key]
        new[key] = p.copy() if n == 0 else avg + (p - avg) / avg.dtype.type(n + 1)
    return {"averaged": new, "n_averaged": n + 1}
# --8<-- [end:update]


# --8<-- [start:ema]
def ema_update(state, params, decay):
    """Fold one snapshot of ``params`` into an exponential moving average (EMA).

    ``average <- decay * average + (1 - decay) * params``, so the snapshot taken ``j``
    updates ago weighs ``(1 - decay) * decay**j`` (the first one ``decay**j``): recent
    snapshots count most. As in :func:`swa_update`, the first update
    (``n_averaged == 0``) copies ``params``. This is PyTorch's
    ``AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(decay))``
    (``torch.optim.swa_utils``).

    Parameters
    ----------
    state : dict from :func:`init_swa_state` or a previous :func:`ema_update`
    params : dict of str -> ndarray of float, same keys, shapes and dtypes as the
        state's average
    decay : float in [0, 1]; 0 keeps only the last snapshot, 1 only the first

    Returns
    -------
    new_state : dict, a new average and ``n_averaged + 1`` (``state`` and ``params``
        are not modified)
    """
    averaged, n = _check_swa_state(state)
    params = _check_params(params, "params")
    _check_same_layout(averaged, params, "params", "state['averaged']")
    decay = _check_number(decay, "decay", 0, 1)
    new = {}
    for key, avg in averaged.items():
        p = params[key]
        if n == 0:
            new[key] = p.copy()
            continue
        w = avg.dtype.type(1.0 - decay)  # the new snapshot's weight
        diff = p - avg
        # avg + w * diff, computed as torch.lerp does: w = 1 returns p exactly
        new[key] = avg + w * diff if w < 0.5 else p - diff * (1 - w)
    return {"averaged": new, "n_averaged": n + 1}
# --8<-- [end:ema]


# --8<-- [start:schedule]
def swa_should_update(step, start, every):
    """Whether to add the weights after ``step`` to the average: from ``start`` on,
    every ``every`` steps.

    Parameters
    ----------
    step : int >= 0, the current step (or epoch) counted from 0
    start : int >= 0, the first step whose weights are averaged
    every : int >= 1, the averaging period (for a cyclical learning rate: the cycle
        length, so that the weights are taken at the low point of each cycle)

    Returns
    -------
    bool
    """
    _check_int(step, "step", 0)
    _check_int(start, "start", 0)
    _check_int(every, "every", 1)
    return step >= start and (step - start) % every == 0
# --8<-- [end:schedule]


def _check_swa_state(state):
    if not isinstance(state, dict) or set(state) != {"averaged", "n_averaged"}:
        raise TypeError("state must be the dict returned by init_swa_state, "
                        "swa_update or ema_update (keys 'averaged', 'n_averaged')")
    n = _check_int(state["n_averaged"], "state['n_averaged']", 0)
    return _check_params(state["averaged"], "state['averaged']"), n


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


def _check_same_layout(params, other, name, reference="params"):
    if set(other) != set(params):
        raise ValueError(f"{name} must have the same keys as {reference}: "
                         f"{sorted(params)}, got {sorted(other)}")
    for key, p in params.items():
        if other[key].shape != p.shape or other[key].dtype != p.dtype:
            raise ValueError(f"{name}[{key!r}] must have shape {p.shape} and dtype "
                             f"{p.dtype} like {reference}, got {other[key].shape} "
                             f"{other[key].dtype}")


def _check_int(value, name, low):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer >= {low}, "
                        f"got {type(value).__name__}")
    if value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value}")
    return int(value)


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
