"""AdaGrad and RMSprop: per-coordinate learning rates from past squared gradients.

AdaGrad divides each coordinate's step by the square root of the *sum* of its squared
gradients so far, so coordinates with large or frequent gradients get small steps and
rare ones large steps; the sum only grows, and the effective rate decays like
``1 / sqrt(t)``. RMSprop replaces the sum by an exponential moving average, which
forgets old gradients and keeps the effective rate from dying out; Adam adds a momentum
and a bias correction to it.

The accumulated second moment is ``s`` (as in Adam's snippet and D2L); RMSprop's
centered form also keeps the running mean of the gradient ``m`` and its momentum form
a velocity ``v`` (PyTorch's ``state_sum``, ``square_avg``, ``grad_avg`` and
``momentum_buffer``).

Conventions, as ``torch.optim.Adagrad`` / ``torch.optim.RMSprop``: ``eps`` is added
*outside* the square root; the step count ``t`` starts at 1 on the first update;
``weight_decay`` is L2 (``weight_decay * p`` added to the gradient); AdaGrad's
``lr_decay`` divides the rate by ``1 + (t - 1) * lr_decay`` and its accumulator starts
at ``initial_accumulator_value``; RMSprop's ``alpha`` is the decay of the average (no
bias correction), its momentum accumulates the *normalized* gradient and ``centered``
divides by an estimate of the standard deviation, ``sqrt(s - m^2)``.

References: Duchi, Hazan and Singer, "Adaptive Subgradient Methods for Online Learning
and Stochastic Optimization", JMLR 2011; Tieleman and Hinton, "Lecture 6.5 - rmsprop",
COURSERA: Neural Networks for Machine Learning, 2012.
"""

import numpy as np


# --8<-- [start:adagrad]
def init_adagrad_state(params, *, initial_accumulator_value=0.0):
    """AdaGrad's state: a step count of 0 and the sum of squared gradients ``s``.

    Parameters
    ----------
    params : dict of str -> ndarray of float
        The model's parameters, any shapes.
    initial_accumulator_value : float >= 0
        The starting value of every entry of ``s`` (PyTorch's default 0, Keras' 0.1).

    Returns
    -------
    state : dict, ``{"t": 0, "s": {key: array like p}}``
    """
    params = _check_params(params, "params")
    s0 = _check_number(initial_accumulator_value, "initial_accumulator_value", 0)
    return {"t": 0, "s": {k: np.full_like(p, s0) for k, p in params.items()}}


def adagrad_step(params, grads, state, *, lr=1e-2, lr_decay=0.0, weight_decay=0.0,
                 eps=1e-10):
    """One AdaGrad update, as ``torch.optim.Adagrad``. Inputs are not modified.

    Parameters
    ----------
    params, grads : dict of str -> ndarray of float
        Parameters and their gradients: same keys, shapes and dtypes.
    state : dict
        From :func:`init_adagrad_state` or a previous call: ``{"t", "s"}``.
    lr : float >= 0
    lr_decay : float >= 0
        The rate at step ``t`` is ``lr / (1 + (t - 1) * lr_decay)``.
    weight_decay : float >= 0
        L2 coefficient, added to the gradient as ``weight_decay * p``.
    eps : float > 0
        Added to ``sqrt(s)`` (outside the square root).

    Returns
    -------
    new_params : dict, same keys, shapes and dtypes as ``params``
    new_state : dict, ``t`` increased by one and the updated ``s``
    """
    params, grads, state = _check_adaptive_inputs(params, grads, state, ("s",),
                                                  "init_adagrad_state")
    for value, name in ((lr, "lr"), (lr_decay, "lr_decay"),
                        (weight_decay, "weight_decay")):
        _check_number(value, name, 0)
    _check_number(eps, "eps", 0, low_open=True)
    t = state["t"] + 1
    clr = lr / (1 + (t - 1) * lr_decay)
    new_params, new_s = {}, {}
    for k, p in params.items():
        c = p.dtype.type  # float32 stays float32
        g = grads[k] + c(weight_decay) * p
        s = state["s"][k] + g * g                     # the sum of squares only grows
        new_params[k] = p - c(clr) * g / (np.sqrt(s) + c(eps))
        new_s[k] = s
    return new_params, {"t": t, "s": new_s}
# --8<-- [end:adagrad]


# --8<-- [start:rmsprop]
def init_rmsprop_state(params):
    """RMSprop's state: a step count of 0 and zero ``s``, ``m`` and ``v``.

    Parameters
    ----------
    params : dict of str -> ndarray of float

    Returns
    -------
    state : dict, ``{"t": 0, "s": ..., "m": ..., "v": ...}``, each a dict of zeros
        like ``params``: the average of ``g^2``, the average of ``g`` (used when
        centered) and the velocity (used with momentum).
    """
    params = _check_params(params, "params")
    return {"t": 0, **{key: {k: np.zeros_like(p) for k, p in params.items()}
                       for key in ("s", "m", "v")}}


def rmsprop_step(params, grads, state, *, lr=1e-2, alpha=0.99, eps=1e-8,
                 weight_decay=0.0, momentum=0.0, centered=False):
    """One RMSprop update, as ``torch.optim.RMSprop``. Inputs are not modified.

    Parameters
    ----------
    params, grads : dict of str -> ndarray of float
        Parameters and their gradients: same keys, shapes and dtypes.
    state : dict
        From :func:`init_rmsprop_state` or a previous call: ``{"t", "s", "m", "v"}``.
    lr : float >= 0
    alpha : float in [0, 1)
        Decay of the moving averages (Hinton's 0.9; PyTorch's default 0.99).
    eps : float > 0
        Added to the square root (outside it).
    weight_decay : float >= 0
        L2 coefficient, added to the gradient as ``weight_decay * p``.
    momentum : float in [0, 1)
        0: step by the normalized gradient; > 0: step by a velocity that accumulates it.
    centered : bool
        Divide by ``sqrt(s - m^2)``, an estimate of the gradient's standard deviation,
        instead of its root mean square ``sqrt(s)``.

    Returns
    -------
    new_params : dict, same keys, shapes and dtypes as ``params``
    new_state : dict, ``t`` increased by one and the updated averages
    """
    params, grads, state = _check_adaptive_inputs(params, grads, state, ("s", "m", "v"),
                                                  "init_rmsprop_state")
    _check_number(lr, "lr", 0)
    _check_number(alpha, "alpha", 0, 1, high_open=True)
    _check_number(eps, "eps", 0, low_open=True)
    _check_number(weight_decay, "weight_decay", 0)
    _check_number(momentum, "momentum", 0, 1, high_open=True)
    _check_bool(centered, "centered")
    new_params, new_s, new_m, new_v = {}, {}, {}, {}
    for k, p in params.items():
        c = p.dtype.type  # float32 stays float32
        g = grads[k] + c(weight_decay) * p
        s = c(alpha) * state["s"][k] + c(1 - alpha) * g * g
        m, v = state["m"][k], state["v"][k]
        if centered:
            m = m + c(1 - alpha) * (g - m)        # m = alpha m + (1 - alpha) g
            denom = np.sqrt(s - m * m) + c(eps)    # the standard deviation of g
        else:
            denom = np.sqrt(s) + c(eps)            # the root mean square of g
        if momentum > 0:
            v = c(momentum) * v + g / denom        # momentum on the normalized step
            new_params[k] = p - c(lr) * v
        else:
            new_params[k] = p - c(lr) * g / denom
        new_s[k], new_m[k], new_v[k] = s, m, v
    return new_params, {"t": state["t"] + 1, "s": new_s, "m": new_m, "v": new_v}
# --8<-- [end:rmsprop]


def _check_adaptive_inputs(params, grads, state, keys, init):
    params = _check_params(params, "params")
    grads = _check_params(grads, "grads")
    _check_same_layout(params, grads, "grads")
    if not isinstance(state, dict) or set(state) != {"t", *keys}:
        names = ", ".join(repr(k) for k in ("t", *keys))
        raise TypeError(f"state must be the dict returned by {init} or a step "
                        f"(keys {names})")
    _check_int(state["t"], "state['t']", 0)
    arrays = {}
    for key in keys:
        arrays[key] = _check_params(state[key], f"state[{key!r}]")
        _check_same_layout(params, arrays[key], f"state[{key!r}]")
    if any(np.any(s < 0) for s in arrays["s"].values()):
        raise ValueError("state['s'] must be >= 0 (a sum or mean of squared gradients)")
    return params, grads, {"t": state["t"], **arrays}


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
