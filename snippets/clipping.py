"""Gradient clipping: by global norm and by value.

Clipping by norm rescales *all* the gradients by one factor when their total norm
exceeds ``max_norm``, so the step keeps its direction and only its length is capped.
Clipping by value clamps every entry to ``[-clip_value, clip_value]``, which changes the
direction as soon as one entry is clamped.

Conventions, as ``torch.nn.utils.clip_grad_norm_`` / ``clip_grad_value_`` (torch 2.13):
the total norm is the ``norm_type``-norm of the per-array norms (the norm of all
gradients concatenated); the factor is ``min(max_norm / (total + 1e-6), 1)``, applied
even when it is 1; the total norm *before* clipping is returned. Gradients are a dict of
arrays, like the parameters of the optimizer snippets, and are not modified: new arrays
are returned. One difference, on purpose: a NaN or infinite total norm raises a
``ValueError`` unless ``error_if_nonfinite=False`` (PyTorch's default is False, which
multiplies every gradient by NaN, or by 0, without a word).

Reference: Pascanu, Mikolov and Bengio, "On the difficulty of training recurrent neural
networks", ICML 2013.
"""

import numpy as np


# --8<-- [start:norm]
def global_grad_norm(grads, *, norm_type=2.0):
    """The ``norm_type``-norm of all the gradients, as if concatenated into one vector.

    Parameters
    ----------
    grads : dict of str -> ndarray of float
        Gradients, any shapes, one dtype (float32 or float64). NaN and inf are allowed:
        the norm is then NaN or inf.
    norm_type : float > 0 or ``np.inf``
        2 for the Euclidean norm, ``np.inf`` for the largest absolute entry, any other
        p > 0 for ``(sum |g|^p)^(1/p)``.

    Returns
    -------
    total_norm : float scalar of the gradients' dtype
    """
    grads = _check_grad_arrays(grads, "grads")
    p = _check_norm_type(norm_type)
    norms = np.array([_vector_norm(g.reshape(-1), p) for g in grads.values()])
    return _vector_norm(norms, p)  # the norm of the per-array norms


def _vector_norm(x, p):
    if p == np.inf:
        return np.max(np.abs(x))  # NaN propagates, as in torch
    if p == 2:
        return np.sqrt(np.sum(x * x))
    return np.sum(np.abs(x) ** x.dtype.type(p)) ** x.dtype.type(1 / p)
# --8<-- [end:norm]


# --8<-- [start:clip_norm]
def clip_grad_norm(grads, max_norm, *, norm_type=2.0, error_if_nonfinite=True):
    """Rescale all gradients together so that their total norm is at most ``max_norm``.

    Parameters
    ----------
    grads : dict of str -> ndarray of float
        Gradients, any shapes, one dtype. Not modified.
    max_norm : float > 0
    norm_type : float > 0 or ``np.inf``
        As in :func:`global_grad_norm`.
    error_if_nonfinite : bool
        True (default): a NaN or infinite total norm raises ``ValueError``, naming the
        arrays that hold NaN or inf. False: as PyTorch, the gradients are multiplied by
        the factor anyway (NaN for a NaN norm, 0 for an infinite one); the caller must
        check the returned norm and skip the step.

    Returns
    -------
    clipped : dict, same keys, shapes and dtype as ``grads``
    total_norm : float scalar, the norm *before* clipping
    """
    grads = _check_grad_arrays(grads, "grads")
    _check_number(max_norm, "max_norm", 0, low_open=True)
    _check_bool(error_if_nonfinite, "error_if_nonfinite")
    total = global_grad_norm(grads, norm_type=norm_type)
    if error_if_nonfinite and not np.isfinite(total):
        bad = [k for k, g in grads.items() if not np.all(np.isfinite(g))]
        raise ValueError(f"grads must have a finite total norm, got a non-finite total "
                         f"norm ({total}): {bad} hold NaN or inf; skip this step, or "
                         "pass error_if_nonfinite=False")
    c = total.dtype.type
    factor = np.minimum(c(max_norm) / (total + c(1e-6)), c(1.0))  # NaN stays NaN
    with np.errstate(invalid="ignore"):  # inf * 0 = NaN, as in torch
        return {k: g * factor for k, g in grads.items()}, total
# --8<-- [end:clip_norm]


# --8<-- [start:clip_value]
def clip_grad_value(grads, clip_value):
    """Clamp every gradient entry to ``[-clip_value, clip_value]``.

    Parameters
    ----------
    grads : dict of str -> ndarray of float
        Gradients, any shapes, one dtype. Not modified. inf is clamped like any large
        value; NaN is refused (it cannot be clamped, and would reach the weights).
    clip_value : float > 0

    Returns
    -------
    clipped : dict, same keys, shapes and dtype as ``grads``
    """
    grads = _check_grad_arrays(grads, "grads")
    _check_number(clip_value, "clip_value", 0, low_open=True)
    bad = [k for k, g in grads.items() if np.any(np.isnan(g))]
    if bad:
        raise ValueError(f"grads must not hold NaN, got NaN in {bad}")
    c = next(iter(grads.values())).dtype.type
    return {k: np.clip(g, c(-clip_value), c(clip_value)) for k, g in grads.items()}
# --8<-- [end:clip_value]


def _check_grad_arrays(grads, name):
    # Like _check_params, but NaN and inf are allowed: clipping must see them.
    if not isinstance(grads, dict) or not grads:
        raise TypeError(f"{name} must be a non-empty dict of float arrays, "
                        f"got {type(grads).__name__}")
    checked = {}
    for key, value in grads.items():
        if not isinstance(key, str):
            raise TypeError(f"{name} keys must be strings like 'W1', got {key!r}")
        value = np.asarray(value)
        if value.dtype not in (np.float32, np.float64):
            raise TypeError(f"{name}[{key!r}] must be a float array (float32 or "
                            f"float64), got dtype {value.dtype}")
        if value.size == 0:
            raise ValueError(f"{name}[{key!r}] must not be empty, "
                             f"got shape {value.shape}")
        checked[key] = value
    dtypes = {g.dtype.name for g in checked.values()}
    if len(dtypes) > 1:
        raise ValueError(f"{name} must all have one dtype, got {sorted(dtypes)}")
    return checked


def _check_norm_type(norm_type):
    if isinstance(norm_type, (float, np.floating)) and norm_type == np.inf:
        return np.inf
    try:
        return _check_number(norm_type, "norm_type", 0, low_open=True)
    except ValueError:
        raise ValueError(f"norm_type must be > 0 or np.inf, got {norm_type}") from None


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


def _check_bool(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__}")
    return bool(value)
