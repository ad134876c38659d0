"""Transfer learning: reuse a network trained on one task as the start of another.

Keep the pre-trained layers (the *body*), replace the last layer (the *head*) by a
new one with one output per new class, and train either the head alone on the body's
frozen features (*feature extraction*) or every layer, the pre-trained ones with
smaller steps (*fine-tuning*). Parameters are dicts of arrays as in ``mlp.py``
(``W1, b1, ..., WL, bL``, ``WL`` the head).

Conventions, as PyTorch (torch 2.13): a frozen parameter (``requires_grad=False``) has
no gradient, and optimizers skip a parameter whose ``.grad`` is None, so it is not
touched at all: no weight decay, no momentum. :func:`mask_gradients` therefore *drops*
the frozen gradients instead of zeroing them (a zero gradient still moves a parameter
under weight decay or momentum). The new head is initialized like
``torch.nn.Linear``: weight and bias uniform in ``[-1/sqrt(n_in), 1/sqrt(n_in)]``.

References: Yosinski, Clune, Bengio and Lipson, "How transferable are features in deep
neural networks?", NeurIPS 2014; Howard and Ruder, "Universal Language Model Fine-tuning
for Text Classification" (ULMFiT, discriminative learning rates), ACL 2018; Stanford
CS231n, "Transfer Learning" notes.
"""

import numpy as np


# --8<-- [start:freeze]
def freeze(params, names):
    """Which parameters train: False for the ``names`` to freeze, True for the others.

    Parameters
    ----------
    params : dict of str -> ndarray of float
        The model's parameters, e.g. ``{"W1": (n1, n0), "b1": (n1,), ...}``.
    names : list, tuple or set of str
        Keys of ``params`` to freeze, e.g. the body ``["W1", "b1", "W2", "b2"]``. At
        least one parameter must stay trainable.

    Returns
    -------
    trainable : dict of str -> bool, the keys of ``params``
    """
    params = _check_params(params, "params")
    if not isinstance(names, (list, tuple, set, frozenset)):
        raise TypeError(f"names must be a list, tuple or set of keys of params, "
                        f"got {type(names).__name__}")
    unknown = [n for n in names if not isinstance(n, str) or n not in params]
    if unknown:
        raise ValueError(f"names must be keys of params {sorted(params)}, "
                         f"got {unknown}")
    if set(names) == set(params):
        raise ValueError("names must leave at least one parameter trainable, got all "
                         f"of {sorted(params)}")
    return {key: key not in names for key in params}


def mask_gradients(grads, trainable):
    """Keep the gradients of the trainable parameters only.

    Frozen parameters are *dropped*, not zeroed: pass the result, with the matching
    parameters ``{k: params[k] for k in grads}``, to any optimizer step, and merge the
    updated ones back (``{**params, **updated}``). A zero gradient would not freeze a
    parameter: weight decay and momentum still move it.

    Parameters
    ----------
    grads : dict of str -> ndarray of float
    trainable : dict of str -> bool
        From :func:`freeze`: the same keys as ``grads``.

    Returns
    -------
    dict, the entries of ``grads`` whose ``trainable`` is True (the same arrays)
    """
    grads = _check_params(grads, "grads")
    _check_trainable(trainable, grads)
    return {key: g for key, g in grads.items() if trainable[key]}
# --8<-- [end:freeze]


# --8<-- [start:head]
def replace_head(params, n_classes, rng):
    """A new last layer with ``n_classes`` outputs, initialized as ``torch.nn.Linear``.

    The body ``W1, b1, ..., W(L-1), b(L-1)`` is kept (copied); ``WL`` becomes
    (n_classes, n_in) and ``bL`` (n_classes,), both uniform in
    ``[-1/sqrt(n_in), 1/sqrt(n_in)]`` (PyTorch's ``kaiming_uniform_(a=sqrt(5))`` for
    the weight, variance ``1/(3 n_in)``), where ``n_in`` is the width of the last
    hidden layer.

    Parameters
    ----------
    params : dict of str -> ndarray of float
        ``{"W1", "b1", ..., "WL", "bL"}``, shapes that chain, one dtype.
    n_classes : int >= 1
    rng : numpy.random.Generator

    Returns
    -------
    dict, the same keys, the dtype of ``params``; only ``WL`` and ``bL`` are new.
    """
    params, n_layers = _check_layers(params)
    n_classes = _check_int(n_classes, "n_classes", 1)
    _check_rng(rng)
    dtype = params["W1"].dtype
    n_in = params[f"W{n_layers}"].shape[1]
    bound = 1.0 / np.sqrt(n_in)
    new = {key: value.copy() for key, value in params.items()}
    new[f"W{n_layers}"] = rng.uniform(-bound, bound, (n_classes, n_in)).astype(dtype)
    new[f"b{n_layers}"] = rng.uniform(-bound, bound, n_classes).astype(dtype)
    return new
# --8<-- [end:head]


# --8<-- [start:rates]
def layer_learning_rates(params, lr, *, decay=2.6):
    """Discriminative learning rates: ``lr`` for the head, ``decay`` times less per
    layer below it.

    Layer ``l`` of ``D`` gets ``lr / decay**(D - l)`` (its ``Wl`` and ``bl`` alike);
    ULMFiT divides by 2.6 per layer. ``decay=1`` gives every layer ``lr``.

    Parameters
    ----------
    params : dict of str -> ndarray of float
        ``{"W1", "b1", ..., "WL", "bL"}``.
    lr : float > 0
        The head's learning rate.
    decay : float >= 1

    Returns
    -------
    dict of str -> float, the keys of ``params``
    """
    _, n_layers = _check_layers(params)
    lr = _check_number(lr, "lr", 0, low_open=True)
    decay = _check_number(decay, "decay", 1)
    return {f"{kind}{layer}": lr / decay ** (n_layers - layer)
            for layer in range(1, n_layers + 1) for kind in "Wb"}


def discriminative_sgd_step(params, grads, lrs):
    """One SGD step with a learning rate per parameter; parameters without a gradient
    (frozen) are returned unchanged.

    The same update as ``torch.optim.SGD`` with one parameter group per rate. Scaling a
    gradient is not a substitute with Adam: its step does not depend on the scale of
    the gradient.

    Parameters
    ----------
    params : dict of str -> ndarray of float
    grads : dict of str -> ndarray of float
        A subset of the keys of ``params`` (from :func:`mask_gradients`), with their
        shapes and dtypes.
    lrs : dict of str -> float >= 0
        A rate for every key of ``grads`` (from :func:`layer_learning_rates`).

    Returns
    -------
    dict, the keys, shapes and dtypes of ``params``: ``params[k] - lrs[k] * grads[k]``
    for the keys of ``grads``, the same arrays for the others.
    """
    params = _check_params(params, "params")
    grads = _check_params(grads, "grads")
    for key, g in grads.items():
        p = params.get(key)
        if p is None or g.shape != p.shape or g.dtype != p.dtype:
            have = "no parameter" if p is None else f"{p.shape} {p.dtype}"
            raise ValueError(f"grads[{key!r}] must match a parameter of the same "
                             f"shape and dtype, got {g.shape} {g.dtype} for {have}")
    if not isinstance(lrs, dict):
        raise TypeError("lrs must be a dict of learning rates, "
                        f"got {type(lrs).__name__}")
    missing = sorted(set(grads) - set(lrs))
    if missing:
        raise ValueError("lrs must have a rate for every key of grads, "
                         f"got none for {missing}")
    # Python floats, unlike NumPy float64 scalars, leave float32 arrays float32.
    rates = {key: _check_number(lrs[key], f"lrs[{key!r}]", 0) for key in grads}
    return {key: w - rates[key] * grads[key] if key in grads else w
            for key, w in params.items()}
# --8<-- [end:rates]


# --8<-- [start:batchnorm]
def pretrained_share(steps, momentum=0.1):
    """The weight the pre-trained running statistics of batch norm keep after ``steps``
    forward passes in training mode: ``(1 - momentum)**steps``.

    Each training-mode pass sets ``running = (1 - momentum) * running + momentum *
    batch`` (PyTorch's convention), so fine-tuning on a few examples replaces the
    statistics of the large pre-training set by those of the small new one: after 50
    steps at momentum 0.1 they keep 0.5% of their weight. Freezing the parameters does
    not stop this (``requires_grad=False`` leaves the running statistics updating);
    evaluation mode does: run the batch-norm layers with ``training=False``
    (``module.eval()`` after every ``model.train()``).

    Parameters
    ----------
    steps : int >= 0
    momentum : float in [0, 1]
        Weight of each batch in the running averages, as in batch-norm's forward pass.

    Returns
    -------
    float in [0, 1]
    """
    steps = _check_int(steps, "steps", 0)
    momentum = _check_number(momentum, "momentum", 0, 1)
    return (1.0 - momentum) ** steps
# --8<-- [end:batchnorm]


def _check_trainable(trainable, params):
    if not isinstance(trainable, dict):
        raise TypeError("trainable must be a dict of str -> bool (from freeze), "
                        f"got {type(trainable).__name__}")
    if set(trainable) != set(params):
        raise ValueError("trainable must have the keys of the gradients "
                         f"{sorted(params)}, got {sorted(trainable, key=str)}")
    bad = [key for key, value in trainable.items()
           if not isinstance(value, (bool, np.bool_))]
    if bad:
        raise TypeError(f"trainable values must be True or False, got {bad} "
                        "that are not")


def _check_layers(params):
    """Check keys W1, b1, ..., WL, bL, shapes that chain, one float dtype; return L."""
    params = _check_params(params, "params")
    n_layers = len(params) // 2
    expected = {f"{kind}{layer}" for layer in range(1, n_layers + 1) for kind in "Wb"}
    if len(params) % 2 or set(params) != expected:
        raise ValueError("params keys must be W1, b1, ..., WL, bL, "
                         f"got {sorted(params)}")
    dtype = params["W1"].dtype
    for layer in range(1, n_layers + 1):
        W = _check_float_array(params[f"W{layer}"], f"params['W{layer}']", ndim=2)
        b = _check_float_array(params[f"b{layer}"], f"params['b{layer}']", ndim=1)
        if b.shape != (W.shape[0],):
            raise ValueError(f"params['b{layer}'] must have shape ({W.shape[0]},) "
                             f"to match params['W{layer}'] of shape {W.shape}, "
                             f"got {b.shape}")
        if layer > 1 and W.shape[1] != params[f"W{layer - 1}"].shape[0]:
            raise ValueError(f"params['W{layer}'] has shape {W.shape}: its n_in must "
                             "equal "
                             f"the {params[f'W{layer - 1}'].shape[0]} outputs of layer "
                             f"{layer - 1}")
        for arr, name in ((W, f"W{layer}"), (b, f"b{layer}")):
            if arr.dtype != dtype:
                raise TypeError(f"all params must share one dtype, got {dtype} and "
                                f"{arr.dtype} ({name})")
    return params, n_layers


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


def _check_rng(rng):
    if not isinstance(rng, np.random.Generator):
        raise TypeError("rng must be a numpy.random.Generator "
                        f"(np.random.default_rng(seed)), got {type(rng).__name__}")
