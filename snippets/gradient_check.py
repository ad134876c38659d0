"""Gradient checking: compare a backward pass with centred finite differences.

Nudge every parameter by ``+eps`` and ``-eps``, take ``(J(theta + eps) - J(theta - eps)) / (2 eps)`` as
the numerical gradient, and compare it with the analytic one through the relative error
``||g - g_num|| / (||g|| + ||g_num||)``. About 1e-7 or less: the backward pass is right; around 1e-5:
look closer; 1e-3 or more: there is almost surely a bug.

It is a debugging tool: slow (two loss evaluations per parameter), run once on a small network, in
float64, with dropout off or its mask fixed, and with inputs away from the kinks of ReLU.

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
    vector : ndarray of shape (P,), P the total number of parameters, in the dict's key order
    layout : tuple of (key, shape) pairs, in the same order, for :func:`vector_to_params`

    Raises
    ------
    TypeError, ValueError
        For an empty or non-dict ``params``, non-float, mixed-dtype or non-finite arrays.
    """
    _check_params(params, "params")
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
        New arrays (copies) with the keys and shapes of ``layout`` and the dtype of ``vector``.

    Raises
    ------
    TypeError, ValueError
        For a non-float or non-1-D vector, or one whose length does not match the layout.
    """
    vector = _check_float_array(vector, "vector")
    if vector.ndim != 1:
        raise ValueError(f"vector must be 1-D, got shape {vector.shape}")
    sizes = [int(np.prod(shape, dtype=np.int64)) for _, shape in layout]
    if sum(sizes) != vector.size:
        raise ValueError(f"vector has {vector.size} entries but the layout needs {sum(sizes)}")
    params, start = {}, 0
    for (key, shape), size in zip(layout, sizes, strict=True):
        params[key] = vector[start:start + size].reshape(shape).copy()
        start += size
    return params
# --8<-- [end:vector]


# --8<-- [start:numerical]
def numerical_gradient(loss_fn, params, eps=1e-7):
    """Centred-difference gradient of ``loss_fn`` at ``params``, one parameter at a time.

    Parameters
    ----------
    loss_fn : callable
        ``loss_fn(params) -> float``: the full loss (regularization included) for a params dict. It
        must be deterministic: fix the dropout mask (same rng seed on every call) or switch dropout off.
    params : dict of str to ndarray of float64
        The point where the gradient is taken. float32 is refused (see Raises).
    eps : float, small and positive
        The step. 1e-7 (Ng) or 1e-5 (CS231n) both work in float64.

    Returns
    -------
    dict of str to ndarray
        ``(J(theta + eps e_i) - J(theta - eps e_i)) / (2 eps)`` for every entry, same keys and shapes.
        ``params`` is left unchanged.

    Raises
    ------
    TypeError
        For float32 params: the loss is then rounded to about 1e-7 relative, and dividing that
        rounding error by ``2 eps`` swamps the true difference.
    ValueError
        For a bad ``eps`` or a loss that is not a finite number.
    """
    _check_params(params, "params", float64=True)
    _check_eps(eps)
    vector, layout = params_to_vector(params)
    grad = np.zeros_like(vector)
    for i in range(vector.size):
        original = vector[i]
        vector[i] = original + eps
        loss_plus = _call_loss(loss_fn, vector_to_params(vector, layout))
        vector[i] = original - eps
        loss_minus = _call_loss(loss_fn, vector_to_params(vector, layout))
        vector[i] = original
        grad[i] = (loss_plus - loss_minus) / (2 * eps)
    return vector_to_params(grad, layout)
# --8<-- [end:numerical]


# --8<-- [start:check]
def relative_error(grad, grad_num):
    """``||g - g_num|| / (||g|| + ||g_num||)``, 0 when both are 0.

    Parameters
    ----------
    grad, grad_num : ndarray of float of one shape, or two dicts of arrays with the same keys

    Returns
    -------
    float in [0, 1]
        Scale-free: the same for a loss multiplied by any constant. 1 means "unrelated" (e.g. one of
        the two is zero and the other is not).

    Raises
    ------
    TypeError, ValueError
        For non-float or non-finite arrays, mismatched shapes or keys.
    """
    if isinstance(grad, dict) or isinstance(grad_num, dict):
        if not (isinstance(grad, dict) and isinstance(grad_num, dict)) or list(grad) != list(grad_num):
            keys = [sorted(g) if isinstance(g, dict) else type(g).__name__ for g in (grad, grad_num)]
            raise ValueError(f"grad and grad_num must be dicts with the same keys, got {keys[0]} and "
                             f"{keys[1]}")
        grad, grad_num = params_to_vector(grad)[0], params_to_vector(grad_num)[0]
    grad = _check_float_array(grad, "grad")
    grad_num = _check_float_array(grad_num, "grad_num")
    if grad.shape != grad_num.shape:
        raise ValueError(f"grad shape {grad.shape} does not match grad_num shape {grad_num.shape}")
    denominator = np.linalg.norm(grad) + np.linalg.norm(grad_num)
    if denominator == 0:
        return 0.0
    return float(np.linalg.norm(grad - grad_num) / denominator)


def gradient_check(loss_fn, params, grads, eps=1e-7, threshold=1e-7):
    """Compare the analytic ``grads`` with the numerical gradient of ``loss_fn`` at ``params``.

    Parameters
    ----------
    loss_fn : callable, ``loss_fn(params) -> float``, deterministic
    params : dict of str to ndarray of float64
    grads : dict with the same keys and shapes as ``params``: the backward pass to check
    eps : float, the finite-difference step
    threshold : float in (0, 1)
        The largest relative error that passes. 1e-7 suits float64 and ``eps=1e-7``; between 1e-7
        and 1e-5, look at which parameters disagree; above 1e-3 there is a bug.

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
    _check_params(params, "params", float64=True)
    _check_params(grads, "grads", float64=True)
    if list(grads) != list(params) or any(np.shape(grads[k]) != np.shape(params[k]) for k in params):
        raise ValueError("grads must have the same keys (in the same order) and shapes as params, got "
                         f"{[(k, np.shape(v)) for k, v in grads.items()]}")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.floating)) \
            or not 0 < threshold < 1:
        raise ValueError(f"threshold must be a number in (0, 1), got {threshold!r}")
    error = relative_error(grads, numerical_gradient(loss_fn, params, eps))
    return error, error <= threshold
# --8<-- [end:check]


def _check_float_array(x, name):
    x = np.asarray(x)
    if x.dtype not in (np.float32, np.float64):
        raise TypeError(f"{name} must be a float32 or float64 array, got dtype {x.dtype}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must be finite, got NaN or inf")
    return x


def _check_params(params, name, float64=False):
    if not isinstance(params, dict) or not params:
        raise TypeError(f"{name} must be a non-empty dict of arrays, got {type(params).__name__}")
    dtypes = {_check_float_array(value, f"{name}[{key!r}]").dtype for key, value in params.items()}
    if len(dtypes) > 1:
        raise TypeError(f"all arrays in {name} must share one dtype, got {sorted(map(str, dtypes))}")
    if float64 and dtypes != {np.dtype(np.float64)}:
        raise TypeError(
            f"gradient checking needs float64 {name}, got {dtypes.pop()}: in float32 the loss is rounded "
            "to about 1e-7 of its value, and (J+ - J-) / (2 eps) turns that rounding into an error far "
            "larger than the gradient differences the check looks for. Cast with .astype(np.float64)."
        )


def _check_eps(eps):
    if isinstance(eps, bool) or not isinstance(eps, (int, float, np.floating)) or not 0 < eps < 1:
        raise ValueError(f"eps must be a number in (0, 1), typically 1e-7 to 1e-5, got {eps!r}")


def _call_loss(loss_fn, params):
    loss = loss_fn(params)
    if not np.ndim(loss) == 0 or not np.isfinite(loss):
        raise ValueError(f"loss_fn must return a finite scalar, got {loss!r}")
    return float(loss)
