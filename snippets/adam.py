"""Adam and AdamW.

Adam keeps two exponential moving averages per parameter, of the gradient (``m``) and of
its square (``s``), corrects both for their start at zero, and steps by
``m_hat / (sqrt(s_hat) + eps)``: a step of about ``lr`` in every coordinate, whatever
the gradient's scale. AdamW is the same update with the weight decay taken out of the
gradient and applied to the weights directly ("decoupled").

The second moment is ``s``, as in Andrew Ng's course and D2L, so that ``v`` stays
momentum's velocity; the Adam paper and PyTorch's documentation call it ``v`` (PyTorch's
state: ``exp_avg_sq``).

Conventions, as in ``torch.optim.Adam`` / ``torch.optim.AdamW``: ``eps`` is added
*outside* the square root of the bias-corrected ``s``; the step counter ``t`` starts at
1 on the first update; with ``decoupled=False`` weight decay is L2 (``weight_decay * p``
added to the gradient, then normalized by Adam like any gradient); with
``decoupled=True`` it is ``p -= lr * weight_decay * p`` before the Adam step (PyTorch
multiplies by ``lr``; the paper uses a separate schedule multiplier). ``amsgrad=True``
keeps the running maximum of the raw (not bias-corrected) ``s`` in ``state["s_max"]``
and divides it by the current bias correction, exactly as PyTorch does;
``maximize=True`` steps up the gradient (the gradient is negated before anything
else, weight decay included, as in PyTorch).

References: Kingma and Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015;
Loshchilov and Hutter, "Decoupled Weight Decay Regularization", ICLR 2019; Reddi, Kale
and Kumar, "On the Convergence of Adam and Beyond", ICLR 2018 (AMSGrad).
"""

import numpy as np


# --8<-- [start:init]
def init_adam_state(params, *, amsgrad=False):
    """Create Adam's state for a dict of parameters: zero moments and a step count of 0.

    Parameters
    ----------
    params : dict of str -> ndarray of float
        The model's parameters, e.g. ``{"W1": (n_out, n_in), "b1": (n_out,), ...}``.
    amsgrad : bool
        Also keep the running maximum of ``s`` (``state["s_max"]``), for
        ``adam_step(..., amsgrad=True)``.

    Returns
    -------
    state : dict
        ``{"t": 0, "m": {key: zeros like p}, "s": {key: zeros like p}}``, plus
        ``"s_max"`` with ``amsgrad=True``; moments keep each parameter's dtype and
        shape.
    """
    params = _check_params(params, "params")
    _check_bool(amsgrad, "amsgrad")
    state = {
        "t": 0,
        "m": {k: np.zeros_like(p) for k, p in params.items()},
        "s": {k: np.zeros_like(p) for k, p in params.items()},
    }
    if amsgrad:
        state["s_max"] = {k: np.zeros_like(p) for k, p in params.items()}
    return state
# --8<-- [end:init]


# --8<-- [start:step]
def adam_step(params, grads, state, *, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8,
              weight_decay=0.0, decoupled=False, amsgrad=False, maximize=False):
    """One Adam (``decoupled=False``) or AdamW (``decoupled=True``) update. Inputs are
    not modified.

    Parameters
    ----------
    params : dict of str -> ndarray of float
        Current parameters, any shapes.
    grads : dict of str -> ndarray of float
        Gradients of the loss at ``params``: same keys, shapes and dtypes as ``params``.
    state : dict
        From :func:`init_adam_state` or a previous call: ``{"t", "m", "s"}``.
    lr : float >= 0
        Learning rate (step size).
    beta1, beta2 : float in [0, 1)
        Decay rates of the first- and second-moment averages.
    eps : float > 0
        Added to ``sqrt(s_hat)`` (outside the square root) to avoid division by zero.
    weight_decay : float >= 0
        L2 coefficient (``decoupled=False``) or decoupled decay rate
        (``decoupled=True``).
    decoupled : bool
        False: Adam with L2, as ``torch.optim.Adam(weight_decay=...)``.
        True: AdamW, as ``torch.optim.AdamW``.
    amsgrad : bool
        AMSGrad: divide by the running maximum of ``s`` instead of ``s``, so the
        denominator never shrinks; ``state`` must come from
        ``init_adam_state(params, amsgrad=True)``.
    maximize : bool
        Step up the gradient (maximize the objective) instead of down.

    Returns
    -------
    new_params : dict, same keys, shapes and dtypes as ``params``
    new_state : dict, ``t`` increased by one and the updated moments

    Raises
    ------
    TypeError, ValueError
        Non-float or non-finite arrays, mismatched keys or shapes, hyperparameters out
        of range.
    """
    _check_adam_hyperparameters(lr, beta1, beta2, eps, weight_decay, decoupled)
    _check_bool(amsgrad, "amsgrad")
    _check_bool(maximize, "maximize")
    params, grads, state = _check_adam_inputs(params, grads, state, amsgrad)
    t = state["t"] + 1
    new_params, new_m, new_s, new_s_max = {}, {}, {}, {}
    for k, p in params.items():
        # do the arithmetic in the parameter's dtype: float32 stays float32
        c = p.dtype.type
        g = -grads[k] if maximize else grads[k]  # maximize: ascend, before the decay
        if decoupled:
            p = p * c(1.0 - lr * weight_decay)  # AdamW: shrink the weights directly
        else:
            g = g + c(weight_decay) * p         # Adam + L2: decay joins the gradient
        m = c(beta1) * state["m"][k] + c(1.0 - beta1) * g
        s = c(beta2) * state["s"][k] + c(1.0 - beta2) * g * g
        if amsgrad:  # the maximum of the raw s, bias-corrected afterwards (PyTorch)
            new_s_max[k] = np.maximum(state["s_max"][k], s)
        m_hat = m / c(1.0 - beta1**t)  # bias corrections: beta1 with m, beta2 with s
        s_hat = (new_s_max[k] if amsgrad else s) / c(1.0 - beta2**t)
        new_params[k] = p - c(lr) * m_hat / (np.sqrt(s_hat) + c(eps))  # eps outside
        new_m[k], new_s[k] = m, s
    new_state = {"t": t, "m": new_m, "s": new_s}
    if amsgrad:
        new_state["s_max"] = new_s_max
    return new_params, new_state
# --8<-- [end:step]


# --8<-- [start:inplace]
BLOCK = 1 << 15  # elements per block: a few blocks of float32 fit in a core's L2 cache


def adam_step_inplace(params, grads, state, *, lr=1e-3, beta1=0.9, beta2=0.999,
                      eps=1e-8, weight_decay=0.0, decoupled=False, amsgrad=False,
                      maximize=False):
    """The same update as :func:`adam_step`, written for speed: arrays are updated in
    place.

    ``params`` and the moments in ``state`` are modified and returned. Each array is
    processed in blocks of ``BLOCK`` elements with two scratch buffers, so all the
    elementwise operations of a block run while it is still in the cache: memory is read
    and written about once per array instead of once per operation, and no temporary
    array is allocated. The operations are those of :func:`adam_step`, in the same
    order, so the results are the same.

    Parameters
    ----------
    params, grads, state, lr, beta1, beta2, eps, weight_decay, decoupled, amsgrad,
    maximize
        As in :func:`adam_step`; every array must be a writeable, C-contiguous ndarray.
        Everything is checked before anything is written: on an error, nothing has
        changed. The finiteness check reads each array once more (a dot product).

    Returns
    -------
    params : dict, the same dict, its arrays updated in place
    state : dict, the same dict, its moments updated in place and ``t`` increased by one
    """
    _check_adam_hyperparameters(lr, beta1, beta2, eps, weight_decay, decoupled)
    _check_bool(amsgrad, "amsgrad")
    _check_bool(maximize, "maximize")
    _check_adam_inplace(params, grads, state, amsgrad)
    t = state["t"] + 1
    for k, p in params.items():
        c = p.dtype.type  # scalars in the arrays' dtype: float32 stays float32
        w, g = p.reshape(-1), grads[k].reshape(-1)
        m, s = state["m"][k].reshape(-1), state["s"][k].reshape(-1)
        s_max = state["s_max"][k].reshape(-1) if amsgrad else None
        bias1, bias2 = c(1.0 - beta1**t), c(1.0 - beta2**t)
        scratch = np.empty((2, min(BLOCK, w.size)), dtype=w.dtype)
        for start in range(0, w.size, BLOCK):
            block = slice(start, start + BLOCK)
            wb, gb, mb, sb = w[block], g[block], m[block], s[block]
            t1, t2 = scratch[0, : wb.size], scratch[1, : wb.size]
            if decoupled:
                wb *= c(1.0 - lr * weight_decay)  # AdamW: shrink the weights directly
                if maximize:
                    gb = np.negative(gb, out=t1)  # ascend
            else:
                np.multiply(wb, c(weight_decay), out=t1)
                if maximize:
                    np.subtract(t1, gb, out=t1)   # -g + decay: ascend, then L2
                else:
                    np.add(gb, t1, out=t1)        # Adam + L2: decay joins the gradient
                gb = t1
            mb *= c(beta1)
            np.multiply(gb, c(1.0 - beta1), out=t2)
            mb += t2                                       # m = beta1 m + (1 - beta1) g
            sb *= c(beta2)
            np.multiply(gb, c(1.0 - beta2), out=t2)
            t2 *= gb
            sb += t2                                  # s = beta2 s + (1 - beta2) g^2
            if amsgrad:
                np.maximum(s_max[block], sb, out=s_max[block])  # max of the raw s
            np.divide(s_max[block] if amsgrad else sb, bias2, out=t2)
            np.sqrt(t2, out=t2)
            t2 += c(eps)                                   # sqrt(s_hat) + eps
            np.divide(mb, bias1, out=t1)
            t1 *= c(lr)
            t1 /= t2
            wb -= t1                          # p = p - lr m_hat / (sqrt(s_hat) + eps)
    state["t"] = t
    return params, state
# --8<-- [end:inplace]


def _check_adam_state(state, amsgrad):
    if not isinstance(state, dict) or set(state) - {"s_max"} != {"t", "m", "s"}:
        raise TypeError("state must be the dict returned by init_adam_state or "
                        "adam_step (keys 't', 'm', 's', and 's_max' for amsgrad)")
    _check_int(state["t"], "state['t']", 0)
    if amsgrad and "s_max" not in state:
        raise ValueError("state must have the key 's_max' for amsgrad=True: create "
                         "it with init_adam_state(params, amsgrad=True)")
    if not amsgrad and "s_max" in state:
        raise ValueError("state must not have the key 's_max' without amsgrad=True: "
                         "pass amsgrad=True, or drop the key to go on without AMSGrad")
    return ("m", "s", "s_max") if amsgrad else ("m", "s")


def _check_adam_inputs(params, grads, state, amsgrad):
    params = _check_params(params, "params")
    grads = _check_params(grads, "grads")
    _check_same_layout(params, grads, "grads")
    moments = {}
    for moment in _check_adam_state(state, amsgrad):
        moments[moment] = _check_params(state[moment], f"state[{moment!r}]")
        _check_same_layout(params, moments[moment], f"state[{moment!r}]")
    for moment in ("s", "s_max")[: len(moments) - 1]:
        if any(np.any(s < 0) for s in moments[moment].values()):
            raise ValueError(f"state[{moment!r}] must be >= 0 (a mean of squared "
                             "gradients)")
    return params, grads, {"t": state["t"], **moments}


def _check_adam_inplace(params, grads, state, amsgrad):
    moments = _check_adam_state(state, amsgrad)
    groups = {"params": params, "grads": grads,
              **{f"state[{moment!r}]": state[moment] for moment in moments}}
    for name, group in groups.items():
        _check_inplace_arrays(group, name)
        if name != "params":
            _check_same_layout(params, group, name)
    for name, group in groups.items():
        for key, value in group.items():
            _check_all_finite(value, f"{name}[{key!r}]")
    for moment in moments[1:]:
        if any(s.min() < 0 for s in state[moment].values()):
            raise ValueError(f"state[{moment!r}] must be >= 0 (a mean of squared "
                             "gradients)")


def _check_adam_hyperparameters(lr, beta1, beta2, eps, weight_decay, decoupled):
    _check_number(lr, "lr", 0)
    _check_number(beta1, "beta1", 0, 1, high_open=True)
    _check_number(beta2, "beta2", 0, 1, high_open=True)
    _check_number(eps, "eps", 0, low_open=True)
    _check_number(weight_decay, "weight_decay", 0)
    _check_bool(decoupled, "decoupled")


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


def _check_all_finite(x, name):
    # One read of x: x @ x is finite exactly when every entry is (unless it overflowed,
    # which the exact second test settles).
    flat = x.reshape(-1)
    with np.errstate(over="ignore"):  # squares are >= 0: no inf - inf, no "invalid"
        square = flat @ flat
    if not np.isfinite(square) and not np.all(np.isfinite(flat)):
        raise ValueError(f"{name} must be finite, got NaN or inf")


def _check_inplace_arrays(group, name):
    if not isinstance(group, dict) or not group:
        raise TypeError(f"{name} must be a non-empty dict of float arrays, "
                        f"got {type(group).__name__}")
    for key, value in group.items():
        if not isinstance(key, str):
            raise TypeError(f"{name} keys must be strings like 'W1', got {key!r}")
        floats = (np.float32, np.float64)
        if not isinstance(value, np.ndarray) or value.dtype not in floats:
            raise TypeError(f"{name}[{key!r}] must be a float ndarray, "
                            f"got {type(value).__name__}")
        if not value.flags.c_contiguous or not value.flags.writeable:
            raise ValueError(f"{name}[{key!r}] must be a writeable C-contiguous array "
                             "to update in place")
        if value.size == 0:
            raise ValueError(f"{name}[{key!r}] must not be empty, "
                             f"got shape {value.shape}")
