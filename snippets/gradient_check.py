"""Gradient checking: compare a backward pass with centred finite differences.

Nudge every parameter by ``+eps`` and ``-eps``, take
``(J(theta + eps) - J(theta - eps)) / (2 eps)`` as the numerical gradient, and compare
it with the analytic one through the relative error
``||g - g_num|| / (||g|| + ||g_num||)``. About 1e-7 or less: the backward pass is right;
around 1e-5: look closer; 1e-3 or more: there is almost surely a bug.

It is a debugging tool: slow (two loss evaluations per parameter), run once on a small
network, in float64, with dropout off or its mask fixed, and with inputs away from the
kinks of ReLU.

Reference: Andrew Ng, Deep Learning Specialization, course 2 ("Gradient checking");
CS231n notes, "Neural Networks Part 3: gradient checks".
"""

import numpy as np


# --8<-- [start:vector]
def params_to_vector(params):
    """Flatten a params dict into one vector, remembering how to undo it.

    Parameters
    ----------
    params : dict of str to ndarray of float
        E.g. ``{"W1": (n1, n0), "b1": (n1,), ...}``; all arrays share one dtype.

    Returns
    -------
    vector : ndarray of shape (P,),
        P the total number of parameters, in the dict's key order
    layout : tuple of (key, shape) pairs,
        in the same order, for :func:`vector_to_params`

    Raises
    ------
    TypeError, ValueError
        For an empty or non-dict ``params``, non-float, mixed-dtype or non-finite
        arrays.
    """
    params = _check_one_dtype(params, "params")
    layout = tuple((key, np.shape(value)) for key, value in params.items())
    vector = np.concatenate([np.ravel(value) for value in params.values()])
    return vector, layout


def vector_to_params(vector, layout):
    """Rebuild a params dict from :func:`params_to_vector`'s output.

    Parameters
    ----------
    vector : ndarray of float, shape (P,)
    layout : tuple of (key, shape) pairs from :func:`params_to_vector`

    Returns
    -------
    dict of str to ndarray
        New arrays (copies) with the keys and shapes of ``layout`` and the dtype of
        ``vector``.

    Raises
    ------
    TypeError, ValueError
        For a non-float or non-1-D vector, or one whose length does not match the
        layout.
    """
    vector = _check_float_array(vector, "vector", ndim=1)
    sizes = _check_layout(layout)
    if sum(sizes) != vector.size:
        raise ValueError(f"vector must have the {sum(sizes)} entries the layout needs, "
                         f"got {vector.size}")
    params, start = {}, 0
    for (key, shape), size in zip(layout, sizes, strict=True):
        params[key] = vector[start:start + size].reshape(shape).copy()
        start += size
    return params
# --8<-- [end:vector]


# --8<-- [start:numerical]
def numerical_gradient(loss_fn, params, eps=1e-7):
    """Centred-difference gradient of ``loss_fn`` at ``params``, one parameter at a
    time.

    Parameters
    ----------
    loss_fn : callable
        ``loss_fn(params) -> float``: the full loss (regularization included) for a
        params dict. It must be deterministic: fix the dropout mask (same rng seed on
        every call) or switch dropout off.
    params : dict of str to ndarray of float64
        The point where the gradient is taken. float32 is refused (see Raises).
    eps : float, small and positive
        The step. 1e-7 (Ng) or 1e-5 (CS231n) both work in float64.

    Returns
    -------
    dict of str to ndarray
        ``(J(theta + eps e_i) - J(theta - eps e_i)) / (2 eps)`` for every entry, same
        keys and shapes. ``params`` is left unchanged.

    Raises
    ------
    TypeError
        For float32 params: the loss is then rounded to about 1e-7 relative, and
        dividing that rounding error by ``2 eps`` swamps the true difference.
    ValueError
        For a bad ``eps`` or a loss that is not a finite number.
    """
    _check_one_dtype(params, "params", float64=True)
    _check_callable(loss_fn, "loss_fn", "params -> float")
    _check_number(eps, "eps", 0, 1, low_open=True, high_open=True)
    vector, layout = params_to_vector(params)
    grad = np.zeros_like(vector)
    for i in range(vector.size):
        original = vector[i]
        vector[i] = original + eps
        loss_plus = _check_returned_loss(loss_fn(vector_to_params(vector, layout)),
                                         "loss_fn")
        vector[i] = original - eps
        loss_minus = _check_returned_loss(loss_fn(vector_to_params(vector, layout)),
                                          "loss_fn")
        vector[i] = original
        grad[i] = (loss_plus - loss_minus) / (2 * eps)
    return vector_to_params(grad, layout)
# --8<-- [end:numerical]


# --8<-- [start:check]
def relative_error(grad, grad_num):
    """``||g - g_num|| / (||g|| + ||g_num||)``, 0 when both are 0.

    Parameters
    ----------
    grad, grad_num : ndarray of float of one shape, or two dicts of arrays
        with the same keys

    Returns
    -------
    float in [0, 1]
        Scale-free: the same for a loss multiplied by any constant. 1 means "unrelated"
        (e.g. one of the two is zero and the other is not).

    Raises
    ------
    TypeError, ValueError
        For non-float or non-finite arrays, mismatched shapes or keys.
    """
    if isinstance(grad, dict) or isinstance(grad_num, dict):
        if (not (isinstance(grad, dict) and isinstance(grad_num, dict)) or
                list(grad) != list(grad_num)):
            keys = [sorted(g) if isinstance(g, dict) else type(g).__name__
                    for g in (grad, grad_num)]
            raise ValueError("grad and grad_num must be dicts with the same keys, "
                             f"got {keys[0]} and {keys[1]}")
        grad, grad_num = params_to_vector(grad)[0], params_to_vector(grad_num)[0]
    grad = _check_float_array(grad, "grad")
    grad_num = _check_float_array(grad_num, "grad_num")
    if grad.shape != grad_num.shape:
        raise ValueError(f"grad and grad_num must have one shape, got {grad.shape} and "
                         f"{grad_num.shape}")
    denominator = np.linalg.norm(grad) + np.linalg.norm(grad_num)
    if denominator == 0:
        return 0.0
    return float(np.linalg.norm(grad - grad_num) / denominator)


def gradient_check(loss_fn, params, grads, eps=1e-7, threshold=1e-7):
    """Compare the analytic ``grads`` with the numerical gradient of ``loss_fn`` at
    ``params``.

    Parameters
    ----------
    loss_fn : callable, ``loss_fn(params) -> float``, deterministic
    params : dict of str to ndarray of float64
    grads : dict with the same keys and shapes as ``params``: the backward pass to check
    eps : float, the finite-difference step
    threshold : float in (0, 1)
        The largest relative error that passes. 1e-7 suits float64 and ``eps=1e-7``;
        between 1e-7 and 1e-5, look at which parameters disagree; above 1e-3 there is a
        bug.

    Returns
    -------
    error : float, the relative error over all parameters
    passed : bool, ``error <= threshold``

    Raises
    ------
    TypeError
        For float32 params (rounding error dominates) or grads of another dtype.
    ValueError
        For mismatched keys or shapes, a bad ``eps`` or ``threshold``.
    """
    params = _check_one_dtype(params, "params", float64=True)
    grads = _check_one_dtype(grads, "grads", float64=True)
    shapes = [(k, v.shape) for k, v in grads.items()]
    if shapes != [(k, v.shape) for k, v in params.items()]:
        raise ValueError("grads must have the same keys (in the same order) and shapes "
                         f"as params, got {shapes}")
    _check_callable(loss_fn, "loss_fn", "params -> float")
    _check_number(eps, "eps", 0, 1, low_open=True, high_open=True)
    _check_number(threshold, "threshold", 0, 1, low_open=True, high_open=True)
    error = relative_error(grads, numerical_gradient(loss_fn, params, eps))
    return error, error <= threshold
# --8<-- [end:check]


def _check_one_dtype(params, name, float64=False):
    params = _check_params(params, name)
    dtypes = {value.dtype for value in params.values()}
    if len(dtypes) > 1:
        raise TypeError(f"all arrays in {name} must share one dtype, "
                        f"got {sorted(map(str, dtypes))}")
    if float64 and dtypes != {np.dtype(np.float64)}:
        raise TypeError(
            f"gradient checking needs float64 {name}, got {dtypes.pop()}: in float32 "
            "the loss is rounded to about 1e-7 of its value, and (J+ - J-) / (2 eps) "
            "turns that rounding into an error far larger than the gradient "
            "differences the check looks for. Cast with .astype(np.float64)."
        )
    return params


def _check_layout(layout):
    """The sizes of the arrays a layout of (key, shape) pairs describes."""
    if not isinstance(layout, (tuple, list)) or not layout:
        raise TypeError("layout must be the (key, shape) pairs from params_to_vector, "
                        f"got {layout!r}")
    sizes = []
    for entry in layout:
        if not (isinstance(entry, (tuple, list)) and len(entry) == 2
                and isinstance(entry[0], str) and isinstance(entry[1], tuple)
                and all(isinstance(n, (int, np.integer)) and not isinstance(n, bool)
                        and n >= 0 for n in entry[1])):
            raise ValueError("layout must hold (key, shape) pairs with str keys and "
                             f"shapes of ints >= 0, got {entry!r}")
        sizes.append(int(np.prod(entry[1], dtype=np.int64)))
    if len({key for key, _ in layout}) != len(layout):
        raise ValueError(f"layout must not repeat a key, "
                         f"got {[key for key, _ in layout]}")
    return sizes


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


def _check_callable(fn, name, signature):
    if not callable(fn):
        raise TypeError(f"{name} must be a callable {signature}, "
                        f"got {type(fn).__name__}")


def _check_returned_loss(loss, name):
    value = np.asarray(loss)
    if value.shape != () or value.dtype.kind not in "iuf" or not np.isfinite(value):
        raise ValueError(f"{name} must return a finite scalar loss, got {loss!r}")
    return float(value)
