"""Gradient descent with momentum, in the two forms a reader meets.

Momentum keeps a velocity, a running sum of past gradients, and steps along it instead
of along the latest gradient alone: oscillating components cancel out and consistent
ones add up.

- ``form="pytorch"`` (``torch.optim.SGD``, Sutskever et al. 2013 without the lr inside):
  ``v = beta * v + (1 - dampening) * g`` and ``w = w - lr * v``. As in PyTorch, the very
  first step sets ``v = g``, the raw gradient, even when ``dampening`` is not zero.
- ``form="ema"`` (Andrew Ng's course): ``v = beta * v + (1 - beta) * g``, starting from
  ``v = 0``, and ``w = w - lr * v``. Its velocity is ``(1 - beta)`` times PyTorch's, so
  the two give the same path when ``lr_ema = lr_pytorch / (1 - beta)``.

Both keep the learning rate *outside* the velocity, so a learning-rate schedule acts at
once.

References: Polyak, "Some methods of speeding up the convergence of iteration methods",
1964; Sutskever, Martens, Dahl and Hinton, "On the importance of initialization and
momentum in deep learning", ICML 2013; Andrew Ng, Deep Learning Specialization, course 2
("Gradient descent with momentum"); PyTorch documentation of ``torch.optim.SGD``.
"""

import numpy as np

FORMS = ("pytorch", "ema")


# --8<-- [start:init]
def init_momentum_state(params):
    """Start the optimizer state: zero velocity for every parameter, no step taken yet.

    Parameters
    ----------
    params : dict of str -> ndarray of float
        The model's parameters, e.g. ``{"W1": (n1, n0), "b1": (n1,), ...}``.

    Returns
    -------
    state : dict
        ``{"step": 0, "velocity": {name: zeros of the parameter's shape and dtype}}``.
    """
    params = _check_params(params, "params")
    return {"step": 0,
            "velocity": {name: np.zeros_like(p) for name, p in params.items()}}
# --8<-- [end:init]


# --8<-- [start:step]
def momentum_step(params, grads, state, *, lr, beta=0.9, form="pytorch", dampening=0.0,
                  nesterov=False):
    """One step of gradient descent with momentum; inputs are not modified.

    Parameters
    ----------
    params : dict of str -> ndarray of float
    grads : dict of str -> ndarray of float
        Same keys, shapes and dtypes as ``params``.
    state : dict
        From :func:`init_momentum_state` or the previous call.
    lr : float >= 0
        Learning rate. The same path needs ``lr_ema = lr_pytorch / (1 - beta)``.
    beta : float in [0, 1)
        Momentum coefficient; ``beta = 0`` is plain gradient descent in both forms.
    form : {"pytorch", "ema"}
        ``"pytorch"``: ``v = beta*v + (1-dampening)*g`` (first step ``v = g``);
        ``"ema"``: ``v = beta*v + (1-beta)*g`` from ``v = 0``.
    dampening : float in [0, 1]
        PyTorch's dampening of the new gradient (``form="pytorch"`` only).
    nesterov : bool
        Nesterov momentum as in PyTorch: step along ``g + beta*v`` (``form="pytorch"``
        only, needs ``beta > 0`` and ``dampening = 0``).

    Returns
    -------
    new_params : dict, same keys, shapes and dtypes as ``params``
    new_state : dict, the state to pass to the next call
    """
    params, grads, velocity = _check_momentum_inputs(params, grads, state)
    _check_momentum_hyperparameters(lr, beta, form, dampening, nesterov)
    # Python floats, unlike NumPy float64 scalars, leave float32 arrays float32.
    lr, beta, dampening = float(lr), float(beta), float(dampening)
    first_step = state["step"] == 0
    new_params, new_velocity = {}, {}
    for name, w in params.items():
        g, v = grads[name], velocity[name]
        if form == "ema":
            v = beta * v + (1 - beta) * g
        elif first_step:
            # PyTorch: the first buffer is the raw gradient, dampening or not
            v = g.copy()
        else:
            v = beta * v + (1 - dampening) * g
        direction = g + beta * v if nesterov else v
        new_params[name] = w - lr * direction
        new_velocity[name] = v
    return new_params, {"step": state["step"] + 1, "velocity": new_velocity}
# --8<-- [end:step]


# --8<-- [start:inplace]
BLOCK = 1 << 15  # elements per block: a few blocks of float32 fit in a core's L2 cache


def momentum_step_inplace(params, grads, state, *, lr, beta=0.9, form="pytorch",
                          dampening=0.0, nesterov=False):
    """The same update as :func:`momentum_step`, written for speed: arrays are updated
    in place.

    ``params`` and ``state["velocity"]`` are modified and returned. Each array is
    processed in blocks of ``BLOCK`` elements with one scratch buffer, so the four
    elementwise operations of a block run while its data is still in the cache: memory
    is read and written about once per array instead of once per operation, and no
    temporary array is allocated. Results equal :func:`momentum_step`'s up to
    floating-point rounding.

    Parameters
    ----------
    params, grads, state, lr, beta, form, dampening, nesterov
        As in :func:`momentum_step`; every array must be a writeable, C-contiguous
        ndarray. Everything is checked before anything is written: on an error, nothing
        has changed.
        The finiteness check reads each array once (a dot product).

    Returns
    -------
    params : dict, the same dict, its arrays updated in place
    state : dict, the same dict, its velocity updated in place and ``step`` increased
        by one
    """
    _check_momentum_inplace(params, grads, state)
    _check_momentum_hyperparameters(lr, beta, form, dampening, nesterov)
    first_step = state["step"] == 0
    for name, w in params.items():
        c = w.dtype.type  # scalars in the arrays' dtype: float32 stays float32
        g, v = grads[name].reshape(-1), state["velocity"][name].reshape(-1)
        w = w.reshape(-1)
        scale = (c(1.0 - beta) if form == "ema" else c(1.0) if first_step
                 else c(1.0 - dampening))
        keep = c(0.0) if first_step and form == "pytorch" else c(beta)
        scratch = np.empty(min(BLOCK, w.size), dtype=w.dtype)
        for start in range(0, w.size, BLOCK):
            block = slice(start, start + BLOCK)
            vb, gb, wb, tmp = (v[block], g[block], w[block],
                               scratch[: min(BLOCK, w.size - start)])
            vb *= keep                               # v = beta * v ...
            if scale == 1:
                vb += gb                             # ... + g
            else:
                np.multiply(gb, scale, out=tmp)
                vb += tmp                            # ... + (1 - dampening or beta) * g
            if nesterov:
                np.multiply(vb, c(beta), out=tmp)
                tmp += gb                            # direction g + beta * v
            else:
                tmp[...] = vb
            tmp *= c(lr)
            wb -= tmp                                # w = w - lr * direction
    state["step"] += 1
    return params, state
# --8<-- [end:inplace]


# --8<-- [start:tuned]
def tuned_gradient_descent(c_min, c_max):
    """The best constant learning rate of plain gradient descent on a quadratic bowl.

    On a bowl whose curvatures (Hessian eigenvalues) lie in ``[c_min, c_max]``, each
    step multiplies the error along curvature ``c`` by ``1 - lr * c``. The worst factor
    is smallest when the two ends balance: ``1 - lr*c_min = lr*c_max - 1``.

    Parameters
    ----------
    c_min : float > 0
        Smallest curvature (``mu`` in Nesterov's book).
    c_max : float >= c_min
        Largest curvature (``L`` there); ``kappa = c_max / c_min``, the condition
        number.

    Returns
    -------
    lr : float
        ``2 / (c_max + c_min)``.
    rate : float
        The error's contraction per step, ``(kappa - 1) / (kappa + 1)``.

    References
    ----------
    Nesterov, "Introductory Lectures on Convex Optimization", 2004, section 2.1.
    """
    c_min, c_max = _check_curvature_range(c_min, c_max)
    kappa = c_max / c_min
    return 2.0 / (c_max + c_min), (kappa - 1.0) / (kappa + 1.0)


def tuned_momentum(c_min, c_max):
    """The best constant (lr, beta) of heavy-ball momentum on a quadratic bowl.

    Polyak's heavy ball, ``w_t = w_{t-1} - lr*g_t + beta*(w_{t-1} - w_{t-2})``, is
    exactly :func:`momentum_step` in the PyTorch form with the same ``lr`` and
    ``beta``, since ``-lr*v_t = beta*(-lr*v_{t-1}) - lr*g_t``. (The EMA form needs
    ``lr / (1 - beta)``.)

    Parameters
    ----------
    c_min : float > 0
        Smallest curvature.
    c_max : float >= c_min
        Largest curvature; ``kappa = c_max / c_min``, the condition number.

    Returns
    -------
    lr : float
        ``4 / (sqrt(c_max) + sqrt(c_min))**2``.
    beta : float
        ``((sqrt(kappa) - 1) / (sqrt(kappa) + 1))**2``.
    rate : float
        The error's contraction per step, ``sqrt(beta)``, along every curvature
        in ``[c_min, c_max]``.

    References
    ----------
    Polyak, "Some methods of speeding up the convergence of iteration methods",
    1964; Goh, "Why Momentum Really Works", Distill, 2017.
    """
    c_min, c_max = _check_curvature_range(c_min, c_max)
    root = (c_max / c_min) ** 0.5
    rate = (root - 1.0) / (root + 1.0)
    return 4.0 / (c_max**0.5 + c_min**0.5) ** 2, rate**2, rate
# --8<-- [end:tuned]


def _check_curvature_range(c_min, c_max):
    c_min = _check_number(c_min, "c_min", low=0, low_open=True)
    c_max = _check_number(c_max, "c_max", low=0, low_open=True)
    if c_max < c_min:
        raise ValueError(f"c_max must be >= c_min ({c_min:g}), got {c_max:g}")
    return c_min, c_max


def _check_momentum_state(state):
    if not isinstance(state, dict) or set(state) != {"step", "velocity"}:
        raise TypeError("state must be the dict returned by init_momentum_state or "
                        "momentum_step")
    _check_int(state["step"], "state['step']", 0)


def _check_momentum_inputs(params, grads, state):
    params = _check_params(params, "params")
    grads = _check_params(grads, "grads")
    _check_same_layout(params, grads, "grads")
    _check_momentum_state(state)
    velocity = _check_params(state["velocity"], "state['velocity']")
    _check_same_layout(params, velocity, "state['velocity']")
    return params, grads, velocity


def _check_momentum_inplace(params, grads, state):
    _check_momentum_state(state)
    groups = {"params": params, "grads": grads, "state['velocity']": state["velocity"]}
    for name, group in groups.items():
        _check_inplace_arrays(group, name)
        if name != "params":
            _check_same_layout(params, group, name)
    for name, group in groups.items():
        for key, value in group.items():
            _check_all_finite(value, f"{name}[{key!r}]")


def _check_momentum_hyperparameters(lr, beta, form, dampening, nesterov):
    _check_number(lr, "lr", 0)
    _check_number(beta, "beta", 0, 1, high_open=True)
    _check_choice(form, "form", FORMS)
    _check_number(dampening, "dampening", 0, 1)
    _check_bool(nesterov, "nesterov")
    if form == "ema" and (dampening != 0 or nesterov):
        raise ValueError("dampening and nesterov apply to form='pytorch' only (the EMA "
                         f"form has neither), got dampening={dampening}, "
                         f"nesterov={nesterov}")
    if nesterov and (beta == 0 or dampening != 0):
        raise ValueError("nesterov needs beta > 0 and dampening = 0 (as in "
                         "torch.optim.SGD),"
                         f" got beta={beta}, dampening={dampening}")


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


def _check_choice(value, name, choices):
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {choices}, got {type(value).__name__}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")
    return value


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
