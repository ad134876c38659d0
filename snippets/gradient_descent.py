"""Plain gradient descent, and an elongated quadratic bowl to watch the learning rate at work.

Gradient descent moves every parameter a small step against its gradient: ``w = w - lr * dL/dw``.
The learning rate ``lr`` sets the step: too small and training crawls, too large and
it diverges. On the bowl ``L(w) = 1/2 * sum(c_i * w_i**2)`` each coordinate is
multiplied by ``1 - lr * c_i`` per step, so the run converges exactly when
``0 < lr < 2 / max(c)``, and then the loss falls at every step, even where the iterate
flips sign (``lr > 1 / c_i``).

References: Cauchy, "Méthode générale pour la résolution des systèmes d'équations simultanées", 1847;
Goodfellow, Bengio and Courville, "Deep Learning", MIT Press 2016, sections 4.3 and 8.3.1.
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
        Gradient of the loss for each parameter: same keys, shapes and dtypes as ``params``.
    lr : float >= 0
        Learning rate.

    Returns
    -------
    dict, same keys, shapes and dtypes as ``params``: ``params[k] - lr * grads[k]``.
    """
    params, grads = _check_params_and_grads(params, grads)
    lr = _check_lr(lr)
    return {name: w - lr * grads[name] for name, w in params.items()}
# --8<-- [end:step]


# --8<-- [start:bowl]
def quadratic_bowl(w, curvatures=(1.0, 10.0)):
    """Loss and gradient of the bowl ``L(w) = 1/2 * sum(c_i * w_i**2)``, minimum 0 at ``w = 0``.

    Unequal curvatures make an elongated bowl: steep across (large ``c``), flat along (small ``c``).

    Parameters
    ----------
    w : ndarray of float, shape (d,)
    curvatures : sequence of d positive floats
        The eigenvalues of the Hessian; the default is a 2-D bowl ten times steeper in ``w[1]``.

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
    _check_run_arguments(loss_and_grad, lr, steps)
    w = _check_vector(w0, "w0")
    path, losses = [w], []
    for _ in range(steps):
        loss, grad = loss_and_grad(w)
        w = gd_step({"w": w}, {"w": grad}, lr)["w"]
        path.append(w)
        losses.append(loss)
    losses.append(loss_and_grad(w)[0])
    return np.stack(path), np.array(losses)
# --8<-- [end:run]


def _check_float_array(x, name):
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"{name} must be a float array (float32 or float64), got dtype {x.dtype}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must be finite, got NaN or inf (did the run diverge?)")
    return x


def _check_params_and_grads(params, grads):
    for name, d in (("params", params), ("grads", grads)):
        if not isinstance(d, dict) or not d:
            raise TypeError(f"{name} must be a non-empty dict of float arrays, got {type(d).__name__}")
    if set(grads) != set(params):
        raise ValueError(f"grads must have the same keys as params: {sorted(params)}, "
                         f"got {sorted(grads)}")
    params = {k: _check_float_array(v, f"params[{k!r}]") for k, v in params.items()}
    grads = {k: _check_float_array(v, f"grads[{k!r}]") for k, v in grads.items()}
    for k, w in params.items():
        if grads[k].shape != w.shape:
            raise ValueError(f"grads[{k!r}] has shape {grads[k].shape}, params[{k!r}] has {w.shape}")
        if grads[k].dtype != w.dtype:
            raise TypeError(f"grads[{k!r}] has dtype {grads[k].dtype}, params[{k!r}] has {w.dtype}")
    return params, grads


def _check_lr(lr):
    if isinstance(lr, bool) or not isinstance(lr, (int, float, np.integer, np.floating)):
        raise TypeError(f"lr must be a number >= 0, got {type(lr).__name__}")
    if not (np.isfinite(lr) and lr >= 0):
        raise ValueError(f"lr must be a finite number >= 0, got {lr}")
    return float(lr)  # a Python float keeps float32 arrays float32


def _check_run_arguments(loss_and_grad, lr, steps):
    if not callable(loss_and_grad):
        raise TypeError("loss_and_grad must be a callable w -> (loss, grad), "
                        f"got {type(loss_and_grad).__name__}")
    _check_lr(lr)
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"steps must be an integer >= 1, got {steps!r}")


def _check_vector(w, name):
    w = _check_float_array(w, name)
    if w.ndim != 1 or w.size == 0:
        raise ValueError(f"{name} must have shape (d,) with d >= 1, got {w.shape}")
    return w


def _check_curvatures(curvatures, shape):
    try:
        c = None if isinstance(curvatures, str) else np.asarray(curvatures, dtype=np.float64)
    except (TypeError, ValueError):
        c = None
    if c is None or c.ndim != 1:
        raise TypeError(f"curvatures must be a sequence of positive numbers, got {curvatures!r}")
    if c.shape != shape:
        raise ValueError(f"curvatures has {c.size} entries but w has shape {shape}")
    if not np.all(np.isfinite(c) & (c > 0)):
        raise ValueError(f"curvatures must be finite and > 0, got {curvatures}")
    return c
