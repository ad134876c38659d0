"""Plain gradient descent, and an elongated quadratic bowl to watch the learning rate
at work.

Gradient descent moves every parameter a small step against its gradient:
``w = w - lr * dL/dw``. The learning rate ``lr`` sets the step: too small and training
crawls, too large and it diverges. On the bowl ``L(w) = 1/2 * sum(c_i * w_i**2)`` each
coordinate is multiplied by ``1 - lr * c_i`` per step, so the run converges exactly when
``0 < lr < 2 / max(c)``, and then the loss falls at every step, even where the iterate
flips sign (``lr > 1 / c_i``).

References: Cauchy, "Méthode générale pour la résolution des systèmes d'équations
simultanées", 1847; Goodfellow, Bengio and Courville, "Deep Learning", MIT Press 2016,
sections 4.3 and 8.3.1.
"""

import numpy as np


# --8<-- [start:step]
def gd_step(params, grads, lr):
    """One step of plain gradient descent; inputs are not modified.

    Parameters
    ----------
    params : dict of str -> ndarray of float
        The model's parameters, e.g. ``{"W1": (n1, n0), "b1": (n1,), ...}``.
    grads : dict of str -> ndarray of float
        Gradient of the loss for each parameter: same keys, shapes and dtypes as
        ``params``.
    lr : float >= 0
        Learning rate.

    Returns
    -------
    dict, same keys, shapes and dtypes as ``params``: ``params[k] - lr * grads[k]``.
    """
    params = _check_params(params, "params")
    grads = _check_params(grads, "grads")
    _check_same_layout(params, grads, "grads")
    lr = _check_number(lr, "lr", 0)  # a Python float keeps float32 arrays float32
    return {name: w - lr * grads[name] for name, w in params.items()}
# --8<-- [end:step]


# --8<-- [start:bowl]
def quadratic_bowl(w, curvatures=(1.0, 10.0)):
    """Loss and gradient of the bowl ``L(w) = 1/2 * sum(c_i * w_i**2)``, minimum 0 at
    ``w = 0``.

    Unequal curvatures make an elongated bowl: steep across (large ``c``), flat along
    (small ``c``).

    Parameters
    ----------
    w : ndarray of float, shape (d,)
    curvatures : sequence of d positive floats
        The eigenvalues of the Hessian; the default is a 2-D bowl ten times steeper in
        ``w[1]``.

    Returns
    -------
    loss : float
    grad : ndarray, shape (d,), same dtype as ``w``: ``c * w``.
    """
    w = _check_vector(w, "w")
    c = _check_curvatures(curvatures, w.shape)
    grad = (c * w).astype(w.dtype)
    return float(0.5 * np.sum(c * w**2)), grad
# --8<-- [end:bowl]


# --8<-- [start:run]
def run_gradient_descent(loss_and_grad, w0, lr, steps):
    """Run ``steps`` steps of plain gradient descent from ``w0`` and record the path.

    Parameters
    ----------
    loss_and_grad : callable, ``w -> (loss, grad)``, e.g. :func:`quadratic_bowl`
    w0 : ndarray of float, shape (d,), the starting point
    lr : float >= 0
    steps : int >= 1

    Returns
    -------
    path : ndarray, shape (steps + 1, d): ``w0`` and every iterate after it
    losses : ndarray, shape (steps + 1,): the loss at each point of the path
    """
    _check_callable(loss_and_grad, "loss_and_grad", "w -> (loss, grad)")
    _check_number(lr, "lr", 0)
    _check_int(steps, "steps", 1)
    w = _check_vector(w0, "w0")
    path, losses = [w], []
    for _ in range(steps):
        loss, grad = _call_loss_and_grad(loss_and_grad, w)
        w = gd_step({"w": w}, {"w": grad}, lr)["w"]
        path.append(w)
        losses.append(loss)
    losses.append(_call_loss_and_grad(loss_and_grad, w)[0])
    return np.stack(path), np.array(losses)
# --8<-- [end:run]


def _check_vector(w, name):
    return _check_float_array(w, name, ndim=1)


def _call_loss_and_grad(loss_and_grad, w):
    result = loss_and_grad(w)
    if not isinstance(result, tuple) or len(result) != 2:
        raise ValueError("loss_and_grad must return a pair (loss, grad), got "
                         f"{result!r}")
    try:
        loss = _check_returned_loss(result[0], "loss_and_grad")
    except ValueError as error:
        raise ValueError(f"{error} (did the run diverge? try a smaller lr)") from None
    grad = _check_float_array(result[1], "the grad returned by loss_and_grad",
                              shape=w.shape)
    return loss, grad.astype(w.dtype, copy=False)


def _check_curvatures(curvatures, shape):
    try:
        c = (None if isinstance(curvatures, str)
             else np.asarray(curvatures, dtype=np.float64))
    except (TypeError, ValueError):
        c = None
    if c is None or c.ndim != 1:
        raise TypeError("curvatures must be a sequence of positive numbers, "
                        f"got {curvatures!r}")
    if c.shape != shape:
        raise ValueError("curvatures must have one entry per entry of w, shape "
                         f"{shape}, got {c.size}")
    if not np.all(np.isfinite(c) & (c > 0)):
        raise ValueError(f"curvatures must be finite and > 0, got {curvatures}")
    return c


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


def _check_callable(fn, name, signature):
    if not callable(fn):
        raise TypeError(f"{name} must be a callable {signature}, "
                        f"got {type(fn).__name__}")


def _check_returned_loss(loss, name):
    value = np.asarray(loss)
    if value.shape != () or value.dtype.kind not in "iuf" or not np.isfinite(value):
        raise ValueError(f"{name} must return a finite scalar loss, got {loss!r}")
    return float(value)
