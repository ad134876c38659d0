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
multiplies by ``lr``; the paper uses a separate schedule multiplier).

References: Kingma and Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015;
Loshchilov and Hutter, "Decoupled Weight Decay Regularization", ICLR 2019.
"""

import numpy as np


# --8<-- [start:init]
def init_adam_state(params):
    """Create Adam's state for a dict of parameters: zero moments and a step count of 0.

    Parameters
    ----------
    params : dict of str -> ndarray of float
        The model's parameters, e.g. ``{"W1": (n_out, n_in), "b1": (n_out,), ...}``.

    Returns
    -------
    state : dict
        ``{"t": 0, "m": {key: zeros like p}, "s": {key: zeros like p}}``; moments
        keep each parameter's dtype and shape.
    """
    params = _check_params(params, "params")
    return {
        "t": 0,
        "m": {k: np.zeros_like(p) for k, p in params.items()},
        "s": {k: np.zeros_like(p) for k, p in params.items()},
    }
# --8<-- [end:init]


# --8<-- [start:step]
def adam_step(params, grads, state, *, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8,
              weight_decay=0.0, decoupled=False):
    """One Adam (``decoupled=False``) or AdamW (``decoupled=True``) update. Inputs are not modified.

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
        L2 coefficient (``decoupled=False``) or decoupled decay rate (``decoupled=True``).
    decoupled : bool
        False: Adam with L2, as ``torch.optim.Adam(weight_decay=...)``.
        True: AdamW, as ``torch.optim.AdamW``.

    Returns
    -------
    new_params : dict, same keys, shapes and dtypes as ``params``
    new_state : dict, ``t`` increased by one and the updated moments

    Raises
    ------
    TypeError, ValueError
        Non-float or non-finite arrays, mismatched keys or shapes, hyperparameters out of range.
    """
    params, grads, state = _check_step_inputs(params, grads, state)
    _check_hyperparameters(lr, beta1, beta2, eps, weight_decay, decoupled)
    t = state["t"] + 1
    new_params, new_m, new_s = {}, {}, {}
    for k, p in params.items():
        c = p.dtype.type  # do the arithmetic in the parameter's dtype: float32 stays float32
        g = grads[k]
        if decoupled:
            p = p * c(1.0 - lr * weight_decay)      # AdamW: shrink the weights directly
        else:
            g = g + c(weight_decay) * p             # Adam + L2: decay joins the gradient
        m = c(beta1) * state["m"][k] + c(1.0 - beta1) * g
        s = c(beta2) * state["s"][k] + c(1.0 - beta2) * g * g
        m_hat = m / c(1.0 - beta1**t)  # bias corrections: beta1 with m, beta2 with s
        s_hat = s / c(1.0 - beta2**t)
        new_params[k] = p - c(lr) * m_hat / (np.sqrt(s_hat) + c(eps))  # eps outside
        new_m[k], new_s[k] = m, s
    return new_params, {"t": t, "m": new_m, "s": new_s}
# --8<-- [end:step]


# --8<-- [start:inplace]
BLOCK = 1 << 15  # elements per block: a few blocks of float32 fit in a core's L2 cache


def adam_step_inplace(params, grads, state, *, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8,
                      weight_decay=0.0, decoupled=False):
    """The same update as :func:`adam_step`, written for speed: arrays are updated in place.

    ``params`` and the moments in ``state`` are modified and returned. Each array is processed in blocks
    of ``BLOCK`` elements with two scratch buffers, so all the elementwise operations of a block run
    while it is still in the cache: memory is read and written about once per array instead of once per
    operation, and no temporary array is allocated. The operations are those of :func:`adam_step`, in the
    same order, so the results are the same.

    Parameters
    ----------
    params, grads, state, lr, beta1, beta2, eps, weight_decay, decoupled
        As in :func:`adam_step`; every array of ``params`` and of the moments must be a writeable,
        C-contiguous ndarray. NaN or inf are not looked for (that would cost a pass over memory).

    Returns
    -------
    params : dict, the same dict, its arrays updated in place
    state : dict, the same dict, its moments updated in place and ``t`` increased by one
    """
    _check_inplace_inputs(params, grads, state)
    _check_hyperparameters(lr, beta1, beta2, eps, weight_decay, decoupled)
    t = state["t"] + 1
    for k, p in params.items():
        c = p.dtype.type  # scalars in the arrays' dtype: float32 stays float32
        w, g = p.reshape(-1), grads[k].reshape(-1)
        m, s = state["m"][k].reshape(-1), state["s"][k].reshape(-1)
        bias1, bias2 = c(1.0 - beta1**t), c(1.0 - beta2**t)
        scratch = np.empty((2, min(BLOCK, w.size)), dtype=w.dtype)
        for start in range(0, w.size, BLOCK):
            block = slice(start, start + BLOCK)
            wb, gb, mb, sb = w[block], g[block], m[block], s[block]
            t1, t2 = scratch[0, : wb.size], scratch[1, : wb.size]
            if decoupled:
                wb *= c(1.0 - lr * weight_decay)          # AdamW: shrink the weights directly
            else:
                np.multiply(wb, c(weight_decay), out=t1)
                np.add(gb, t1, out=t1)                     # Adam + L2: decay joins the gradient
                gb = t1
            mb *= c(beta1)
            np.multiply(gb, c(1.0 - beta1), out=t2)
            mb += t2                                       # m = beta1 m + (1 - beta1) g
            sb *= c(beta2)
            np.multiply(gb, c(1.0 - beta2), out=t2)
            t2 *= gb
            sb += t2                                  # s = beta2 s + (1 - beta2) g^2
            np.divide(sb, bias2, out=t2)
            np.sqrt(t2, out=t2)
            t2 += c(eps)                                   # sqrt(s_hat) + eps
            np.divide(mb, bias1, out=t1)
            t1 *= c(lr)
            t1 /= t2
            wb -= t1                          # p = p - lr m_hat / (sqrt(s_hat) + eps)
    state["t"] = t
    return params, state
# --8<-- [end:inplace]


def _check_inplace_inputs(params, grads, state):
    if not isinstance(state, dict) or set(state) != {"t", "m", "s"}:
        raise TypeError("state must be the dict returned by init_adam_state or adam_step "
                        "(keys 't', 'm', 's')")
    groups = (("params", params), ("grads", grads), ("state['m']", state["m"]),
              ("state['s']", state["s"]))
    for name, group in groups:
        if not isinstance(group, dict) or not group:
            raise TypeError(f"{name} must be a non-empty dict of float arrays, got {type(group).__name__}")
        for k, value in group.items():
            if not isinstance(value, np.ndarray) or not np.issubdtype(value.dtype, np.floating):
                raise TypeError(f"{name}[{k!r}] must be a float ndarray, got {type(value).__name__}")
            if not value.flags.c_contiguous or not value.flags.writeable:
                raise ValueError(f"{name}[{k!r}] must be a writeable C-contiguous array to update in place")
    for name, group in groups[1:]:
        if set(group) != set(params):
            raise ValueError(f"{name} must have the same keys as params: {sorted(params)}, "
                             f"got {sorted(group)}")
        for k, p in params.items():
            if group[k].shape != p.shape or group[k].dtype != p.dtype:
                raise ValueError(f"{name}[{k!r}] must have shape {p.shape} and dtype {p.dtype}, "
                                 f"got {group[k].shape} {group[k].dtype}")
    t = state["t"]
    if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or t < 0:
        raise ValueError(f"state['t'] must be an integer >= 0, got {t!r}")


def _check_params(params, name):
    if not isinstance(params, dict) or not params:
        raise TypeError(f"{name} must be a non-empty dict of float arrays, got {type(params).__name__}")
    out = {}
    for k, p in params.items():
        p = np.asarray(p)
        if not np.issubdtype(p.dtype, np.floating):
            raise TypeError(f"{name}[{k!r}] must be a float array (float32 or float64), got dtype {p.dtype}")
        if not np.all(np.isfinite(p)):
            raise ValueError(f"{name}[{k!r}] must be finite, got NaN or inf")
        out[k] = p
    return out


def _check_step_inputs(params, grads, state):
    params = _check_params(params, "params")
    grads = _check_params(grads, "grads")
    if set(grads) != set(params):
        raise ValueError(f"grads must have the same keys as params: {sorted(params)}, got {sorted(grads)}")
    for k, p in params.items():
        if grads[k].shape != p.shape or grads[k].dtype != p.dtype:
            raise ValueError(f"grads[{k!r}] must have shape {p.shape} and dtype {p.dtype}, "
                             f"got {grads[k].shape} {grads[k].dtype}")
    if not isinstance(state, dict) or set(state) != {"t", "m", "s"}:
        raise TypeError("state must be the dict returned by init_adam_state or adam_step "
                        "(keys 't', 'm', 's')")
    t = state["t"]
    if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or t < 0:
        raise ValueError(f"state['t'] must be an integer >= 0, got {t!r}")
    for moment in ("m", "s"):
        if not isinstance(state[moment], dict) or set(state[moment]) != set(params):
            raise ValueError(f"state[{moment!r}] must have the same keys as params: {sorted(params)}")
        for k, p in params.items():
            arr = np.asarray(state[moment][k])
            if arr.shape != p.shape or arr.dtype != p.dtype:
                raise ValueError(f"state[{moment!r}][{k!r}] must have shape {p.shape} and dtype {p.dtype}, "
                                 f"got {arr.shape} {arr.dtype}")
    return params, grads, state


def _check_hyperparameters(lr, beta1, beta2, eps, weight_decay, decoupled):
    named = {"lr": lr, "beta1": beta1, "beta2": beta2, "eps": eps, "weight_decay": weight_decay}
    for name, value in named.items():
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    for name in ("beta1", "beta2"):
        if not 0.0 <= named[name] < 1.0:  # also rejects NaN
            raise ValueError(f"{name} must be in [0, 1), got {named[name]}")
    if not (eps > 0.0 and np.isfinite(eps)):
        raise ValueError(f"eps must be a finite number > 0, got {eps}")
    for name in ("lr", "weight_decay"):
        if not (named[name] >= 0.0 and np.isfinite(named[name])):
            raise ValueError(f"{name} must be a finite number >= 0, got {named[name]}")
    if not isinstance(decoupled, (bool, np.bool_)):
        raise TypeError(f"decoupled must be True or False, got {type(decoupled).__name__}")
