"""Stochastic weight averaging (SWA).

Keep training with a constant or cyclical learning rate late in training, and average the weights visited
at regular intervals with equal weights. The average sits nearer the centre of a wide, flat region of low
loss than any single iterate, which tends to generalize better.

After averaging, the running statistics of any batch-normalization layer no longer match the averaged
weights: recompute them with one pass over the training data (PyTorch's ``torch.optim.swa_utils.update_bn``).

Reference: Izmailov, Podoprikhin, Garipov, Vetrov and Wilson, "Averaging Weights Leads to Wider Optima and
Better Generalization", UAI 2018.
"""

import numpy as np


# --8<-- [start:init]
def init_swa_state(params):
    """An empty running average for parameters shaped like ``params``.

    Parameters
    ----------
    params : dict of str -> ndarray of float
        The model's parameters (``{"W1": ..., "b1": ...}``); only their keys, shapes and dtypes are used.

    Returns
    -------
    state : dict
        ``{"averaged": dict of copies of params, "n_averaged": 0}``. The first :func:`swa_update`
        replaces the copies, so the average holds only the snapshots given to :func:`swa_update`
        (as ``torch.optim.swa_utils.AveragedModel``).
    """
    params = _check_params(params, "params")
    return {"averaged": {k: v.copy() for k, v in params.items()}, "n_averaged": 0}
# --8<-- [end:init]


# --8<-- [start:update]
def swa_update(state, params):
    """Add one snapshot of ``params`` to the equal-weight running average.

    With ``n`` snapshots already averaged, ``average <- average + (params - average) / (n + 1)``, which is
    the mean of all ``n + 1`` snapshots without storing them.

    Parameters
    ----------
    state : dict from :func:`init_swa_state` or a previous :func:`swa_update`
    params : dict of str -> ndarray of float, same keys, shapes and dtypes as the state's average

    Returns
    -------
    new_state : dict, a new average and ``n_averaged + 1`` (``state`` and ``params`` are not modified)
    """
    averaged, n = _check_state(state)
    params = _check_params(params, "params")
    if params.keys() != averaged.keys():
        raise ValueError(f"params keys {sorted(params)} do not match the average's keys {sorted(averaged)}")
    new = {}
    for key, avg in averaged.items():
        p = params[key]
        if p.shape != avg.shape or p.dtype != avg.dtype:
            raise ValueError(f"params[{key!r}] has shape {p.shape} and dtype {p.dtype}, "
                             f"the average has {avg.shape} and {avg.dtype}")
        new[key] = p.copy() if n == 0 else avg + (p - avg) / avg.dtype.type(n + 1)
    return {"averaged": new, "n_averaged": n + 1}
# --8<-- [end:update]


# --8<-- [start:schedule]
def swa_should_update(step, start, every):
    """Whether to add the weights after ``step`` to the average: from ``start`` on, every ``every`` steps.

    Parameters
    ----------
    step : int >= 0, the current step (or epoch) counted from 0
    start : int >= 0, the first step whose weights are averaged
    every : int >= 1, the averaging period (for a cyclical learning rate: the cycle length, so that
        the weights are taken at the low point of each cycle)

    Returns
    -------
    bool
    """
    for name, value, low in (("step", step, 0), ("start", start, 0), ("every", every, 1)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"{name} must be an integer >= {low}, got {type(value).__name__}")
        if value < low:
            raise ValueError(f"{name} must be >= {low}, got {value}")
    return step >= start and (step - start) % every == 0
# --8<-- [end:schedule]


def _check_params(params, name):
    if not isinstance(params, dict) or not params:
        raise TypeError(f"{name} must be a non-empty dict of float arrays, got {type(params).__name__}")
    checked = {}
    for key, value in params.items():
        value = np.asarray(value)
        if not np.issubdtype(value.dtype, np.floating):
            raise TypeError(f"{name}[{key!r}] must be a float array, got dtype {value.dtype}")
        if not np.all(np.isfinite(value)):
            raise ValueError(f"{name}[{key!r}] must be finite, got NaN or inf")
        checked[key] = value
    return checked


def _check_state(state):
    if not isinstance(state, dict) or not {"averaged", "n_averaged"} <= state.keys():
        raise TypeError("state must be the dict returned by init_swa_state or swa_update")
    n = state["n_averaged"]
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"state['n_averaged'] must be an integer >= 0, got {n!r}")
    return _check_params(state["averaged"], "state['averaged']"), int(n)
