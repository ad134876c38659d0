"""Early stopping: stop training when the validation metric stops improving.

After every epoch, compare the validation metric with the best value so far. An epoch
improves on it only by more than ``min_delta``; after ``patience`` epochs in a row
without an improvement, stop, and go back to the parameters of the best epoch
("restore best"). The state is explicit: :func:`init_early_stopping` makes it,
:func:`update_early_stopping` takes it and returns a new one.

Convention: the semantics of Keras' ``EarlyStopping(monitor, min_delta, patience,
mode, restore_best_weights=True)``. In mode ``"min"`` a value improves on the best
when ``value < best - min_delta`` (strictly), in mode ``"max"`` when
``value > best + min_delta``; the best value moves only on an improvement. PyTorch
Lightning's ``EarlyStopping`` compares the same way but counts validation checks (not
epochs), has ``patience=3`` by default (Keras: 0), keeps no best weights (pair it with
``ModelCheckpoint``) and, with ``check_finite=True``, stops at once on a NaN or
infinite metric. This module stops at once on a non-finite value too; Keras counts it
as an epoch without improvement.

On a quadratic loss, gradient descent from the origin stopped after ``t`` steps of
size ``eps`` shrinks each eigendirection of the Hessian like L2 regularization with
``alpha ~ 1 / (t eps)``: :func:`gd_shrinkage` and :func:`l2_shrinkage`.

References: Prechelt, "Early Stopping - But When?", in Neural Networks: Tricks of the
Trade, 1998. Goodfellow, Bengio and Courville, Deep Learning, 2016, section 7.8.
"""

import numpy as np


# --8<-- [start:init]
def init_early_stopping(patience, min_delta=0.0, mode="min"):
    """A fresh early-stopping state: no best value yet, nothing waited for.

    Parameters
    ----------
    patience : int >= 1
        Stop after this many epochs in a row without an improvement (Keras counts the
        same way; its ``patience=0`` acts as 1 after the first epoch).
    min_delta : float >= 0
        The smallest change of the metric that counts as an improvement.
    mode : {"min", "max"}
        ``"min"`` for a loss, ``"max"`` for an accuracy.

    Returns
    -------
    state : dict
        ``{"patience", "min_delta", "mode", "best": None, "best_epoch": -1,
        "epoch": 0, "wait": 0, "best_params": None, "stopped": False}``.
    """
    patience = _check_int(patience, "patience", 1)
    min_delta = _check_number(min_delta, "min_delta", 0)
    mode = _check_choice(mode, "mode", ("min", "max"))
    return {"patience": patience, "min_delta": min_delta, "mode": mode, "best": None,
            "best_epoch": -1, "epoch": 0, "wait": 0, "best_params": None,
            "stopped": False}
# --8<-- [end:init]


# --8<-- [start:update]
def update_early_stopping(state, value, params):
    """Record one epoch's validation metric; say whether to stop.

    Parameters
    ----------
    state : dict from :func:`init_early_stopping` or a previous update
    value : float
        This epoch's validation metric. A NaN or infinite value (a diverged run) stops
        at once and is never the best.
    params : dict of str to ndarray of float
        The parameters after this epoch. A copy is kept when the epoch is the best.

    Returns
    -------
    new_state : dict
        ``state`` is not modified. ``new_state["best_params"]`` holds copies of the
        best epoch's parameters (restore them with :func:`restore_best_params`).
    stop : bool
        True when training should stop now.
    """
    state = _check_early_stopping_state(state)
    value = _check_metric(value, "value")
    params = _check_params(params, "params")
    new = dict(state, epoch=state["epoch"] + 1, wait=state["wait"] + 1)
    if not np.isfinite(value):
        new["stopped"] = True  # diverged: waiting `patience` epochs more will not help
        return new, True
    best, delta = state["best"], state["min_delta"]
    if state["mode"] == "min":
        improved = best is None or value < best - delta
    else:
        improved = best is None or value > best + delta
    if improved:
        new.update(best=value, best_epoch=state["epoch"], wait=0,
                   best_params={k: v.copy() for k, v in params.items()})
        return new, False
    new["stopped"] = new["wait"] >= state["patience"]
    return new, new["stopped"]
# --8<-- [end:update]


# --8<-- [start:restore]
def restore_best_params(state):
    """Copies of the parameters of the best epoch so far.

    Parameters
    ----------
    state : dict from :func:`update_early_stopping` (at least one finite value seen)

    Returns
    -------
    dict of str to ndarray
        Fresh copies: changing them does not change the state.
    """
    state = _check_early_stopping_state(state)
    if state["best_params"] is None:
        raise ValueError("state has no best parameters yet: call update_early_stopping "
                         "with a finite value first, got best_params None")
    return {k: v.copy() for k, v in state["best_params"].items()}
# --8<-- [end:restore]


# --8<-- [start:equivalence]
def gd_shrinkage(curvatures, lr, steps):
    """How far gradient descent from 0 has moved towards the minimum, per direction.

    On ``L(w) = 1/2 (w - w*)^T H (w - w*)`` with Hessian eigenvalues ``curvatures``,
    gradient descent from ``w0 = 0`` with learning rate ``lr`` reaches, along each
    eigenvector, the fraction ``1 - (1 - lr c)^steps`` of ``w*``.

    Parameters
    ----------
    curvatures : array_like of float > 0, shape (k,)
    lr : float, 0 < lr < 1 / max(curvatures)
        (no overshoot: every direction approaches its minimum from one side)
    steps : int >= 0

    Returns
    -------
    ndarray of float64, shape (k,)
    """
    c = _check_eigenvalues(curvatures)
    lr = _check_number(lr, "lr", 0, low_open=True)
    if lr * c.max() >= 1:
        raise ValueError(f"lr must be below 1 / max(curvatures) = {1 / c.max():g}, "
                         f"got {lr}")
    steps = _check_int(steps, "steps", 0)
    # 1 - (1 - lr c)^steps, without the cancellation of 1 - (a number near 1)
    return -np.expm1(steps * np.log1p(-lr * c))


def l2_shrinkage(curvatures, alpha):
    """The same fraction for the L2-regularized minimum: ``c / (c + alpha)``.

    The minimum of ``L(w) + alpha/2 ||w||^2`` is ``(H + alpha I)^-1 H w*``; along
    each eigenvector of ``H`` that is ``c / (c + alpha)`` times ``w*``. Early
    stopping after ``t`` steps of size ``eps`` matches it for ``alpha ~ 1 / (t eps)``.

    Parameters
    ----------
    curvatures : array_like of float > 0, shape (k,)
    alpha : float >= 0

    Returns
    -------
    ndarray of float64, shape (k,)
    """
    c = _check_eigenvalues(curvatures)
    alpha = _check_number(alpha, "alpha", 0)
    return c / (c + alpha)
# --8<-- [end:equivalence]


def _check_metric(value, name):
    if isinstance(value, (bool, np.bool_)) or not isinstance(
            value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number (the validation metric), "
                        f"got {type(value).__name__}")
    return float(value)


def _check_eigenvalues(curvatures):
    try:
        c = np.asarray(curvatures, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError("curvatures must be a 1-D sequence of positive numbers, "
                        f"got {type(curvatures).__name__}") from None
    if np.asarray(curvatures).dtype == bool:
        raise TypeError("curvatures must be a 1-D sequence of positive numbers, "
                        "got bool")
    if c.ndim != 1 or c.size == 0:
        raise ValueError("curvatures must be a non-empty 1-D sequence, "
                         f"got shape {c.shape}")
    if not np.all(np.isfinite(c) & (c > 0)):
        raise ValueError(f"curvatures must be finite and > 0, got {c.tolist()}")
    return c


def _check_early_stopping_state(state):
    keys = ("patience", "min_delta", "mode", "best", "best_epoch", "epoch", "wait",
            "best_params", "stopped")
    if not isinstance(state, dict):
        raise TypeError("state must be the dict from init_early_stopping, "
                        f"got {type(state).__name__}")
    missing = [k for k in keys if k not in state]
    if missing:
        raise ValueError(f"state must have the keys {list(keys)}, missing {missing}")
    _check_int(state["patience"], "state['patience']", 1)
    _check_number(state["min_delta"], "state['min_delta']", 0)
    _check_choice(state["mode"], "state['mode']", ("min", "max"))
    epoch = _check_int(state["epoch"], "state['epoch']", 0)
    wait = _check_int(state["wait"], "state['wait']", 0)
    best_epoch = _check_int(state["best_epoch"], "state['best_epoch']", -1)
    _check_bool(state["stopped"], "state['stopped']")
    if state["best"] is None:
        if state["best_params"] is not None or best_epoch != -1 or wait != epoch:
            raise ValueError("state['best'] is None, so state['best_params'] must be "
                             "None, state['best_epoch'] -1 and state['wait'] equal to "
                             "state['epoch'], got "
                             f"{type(state['best_params']).__name__}, "
                             f"{best_epoch}, {wait} and {epoch}")
    else:
        _check_number(state["best"], "state['best']")
        _check_params(state["best_params"], "state['best_params']")
        if not 0 <= best_epoch < epoch or wait != epoch - 1 - best_epoch:
            raise ValueError("state['best_epoch'], state['epoch'] and state['wait'] "
                             "must satisfy wait = epoch - 1 - best_epoch, got "
                             f"{best_epoch}, {epoch} and {wait}")
    return state


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


def _check_bool(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__}")
    return bool(value)


def _check_choice(value, name, choices):
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {choices}, got {type(value).__name__}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")
    return value
