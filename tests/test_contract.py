"""One contract for every public function of snippets/: bad input is refused, clearly.

Every public function is found by introspection. For each one, ``CASES`` declares a valid call and,
for every parameter, the bad values it must refuse: ``TypeError`` for the wrong kind of thing,
``ValueError`` for the right kind with a bad value, and a message that names the argument. A public
function without declared cases, or a parameter without bad values, fails the suite, so a new function
cannot slip through. The helpers that do the checking are repeated in each module (a reader copies
one file), and they must be the same code everywhere: ``test_shared_helpers_are_identical``.

Property tests at the end check the shapes and dtypes that the valid calls promise.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

ROOT = Path(__file__).resolve().parents[1]
MODULES = sorted(p.stem for p in (ROOT / "snippets").glob("*.py") if p.name != "__init__.py")


def _public_functions():
    found = {}
    for module_name in MODULES:
        module = importlib.import_module(f"snippets.{module_name}")
        for name, fn in vars(module).items():
            if "__mutmut_" in name:  # mutmut's copies of each function, under mutation testing
                continue
            if inspect.isfunction(fn) and not name.startswith("_") and fn.__module__ == module.__name__:
                found[f"{module_name}.{name}"] = fn
    return found


PUBLIC = _public_functions()


# ---------------------------------------------------------------- the catalogue of bad values

def _rng():
    return np.random.default_rng(7)


def _with(x, value):
    """A copy of the float array ``x`` with its first entry replaced by ``value``."""
    x = np.array(x, copy=True)
    x.reshape(-1)[0] = value
    return x


def bad_arrays(valid):
    """Wrong kinds and bad values for a float array like ``valid``."""
    valid = np.asarray(valid)
    empty = np.empty((0,) + valid.shape[1:], valid.dtype)
    return [None, "abc", valid.astype(np.int64), valid.astype(bool), valid.astype(np.complex128),
            valid.astype(object), _with(valid, np.nan), _with(valid, np.inf), _with(valid, -np.inf),
            empty]


def bad_numbers(*out_of_range):
    return [None, "0.1", True, np.bool_(False), 1j, np.array([0.1, 0.2]), np.nan, np.inf, -np.inf,
            *out_of_range]


def bad_ints(*out_of_range):
    return [None, "3", True, 2.0, 2.5, np.float64(3.0), np.nan, np.array([1, 2]), *out_of_range]


BAD_BOOLS = [None, "no", "yes", 1, 0, 1.0, np.array([True, False])]
BAD_RNGS = [None, 0, "rng", np.random.RandomState(0)]
BAD_CALLABLES = [None, 3, "f"]


def bad_choices(*extra):
    return [None, 3, "bogus", "", b"mean", *extra]


def bad_dtypes():
    return [None, np.int64, np.float16, "complex128", "not a dtype", int, bool]


def bad_params(valid):
    """Wrong kinds and bad values for a dict of float arrays like ``valid``."""
    key, value = next(iter(valid.items()))
    broken = [{**valid, key: bad} for bad in bad_arrays(value)]
    return [None, [], {}, list(valid.values()), {1: value}, *broken]


def bad_twins(params):
    """Bad dicts that must match ``params`` key for key (gradients, moments): wrong layout too."""
    key, value = next(iter(params.items()))
    other = np.float32 if value.dtype == np.float64 else np.float64
    return [*bad_params(params),
            {k: v for k, v in params.items() if k != key} or {"other": value},
            {**params, "extra": value},
            {**params, key: np.zeros(value.shape + (1,), value.dtype)},
            {**params, key: np.zeros(value.size + 1, value.dtype)},
            {**params, key: value.astype(other)}]


def bad_state_dicts(state, nested):
    """Bad optimizer/normalization states: wrong kinds, missing keys, bad counters and bad arrays.

    ``nested`` maps each key of ``state`` holding a dict or array to its bad values."""
    bad = [None, [], {}]
    for key in state:
        bad.append({k: v for k, v in state.items() if k != key})
    for key, values in nested.items():
        bad += [{**state, key: value} for value in values]
    return bad


# ---------------------------------------------------------------- declared cases, function by function

@dataclass
class Case:
    valid: object                      # () -> kwargs of a valid call
    bad: dict                          # parameter -> list of bad values
    names: dict = field(default_factory=dict)  # parameter -> the name its errors must contain


CASES: dict[str, Case] = {}


def case(qualname, valid, **bad):
    CASES[qualname] = Case(valid, bad)


Z = np.array([[0.5, -1.25, 2.0], [3.0, -0.5, 0.0]])

for name in ("sigmoid", "sigmoid_grad", "tanh", "tanh_grad", "relu", "relu_grad"):
    case(f"activations.{name}", lambda: {"z": Z.copy()}, z=bad_arrays(Z))
for name in ("leaky_relu", "leaky_relu_grad"):
    case(f"activations.{name}", lambda: {"z": Z.copy(), "alpha": 0.1}, z=bad_arrays(Z),
         alpha=bad_numbers(-0.1, 1.0, 2.0))
case("activations.softmax", lambda: {"z": Z.copy(), "axis": -1},
     z=[*bad_arrays(Z), np.array(1.0), np.empty((2, 0))], axis=[None, 1.0, "0", True, 2, -3])
case("activations.softmax_grad", lambda: {"z": Z.copy(), "upstream": Z[::-1].copy(), "axis": 1},
     z=[*bad_arrays(Z), np.array(1.0), Z[:, :2]], upstream=[*bad_arrays(Z), Z[:, :2], Z.T],
     axis=[None, 1.0, True, 2, -3])


def _model(dtype=np.float64):
    rng = _rng()
    return {"W1": rng.normal(size=(3, 4)).astype(dtype), "b1": rng.normal(size=(3,)).astype(dtype)}


def _grads(params):
    rng = np.random.default_rng(8)
    return {k: rng.normal(size=p.shape).astype(p.dtype) for k, p in params.items()}


def _adam_valid():
    from snippets.adam import adam_step, init_adam_state

    params = _model()
    grads = _grads(params)
    _, state = adam_step(params, grads, init_adam_state(params))  # moments are non-zero
    return {"params": params, "grads": grads, "state": state, "lr": 1e-3, "beta1": 0.9,
            "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.01, "decoupled": True}


def _adam_bad_state():
    state = _adam_valid()["state"]
    moments = bad_twins(state["m"])
    return [*bad_state_dicts(state, {"t": bad_ints(-1), "m": moments, "s": moments + [
        {k: -np.abs(v) - 1 for k, v in state["s"].items()}]}),
        {**state, "s_max": state["s"]}]  # an AMSGrad state without amsgrad=True


ADAM_HYPER = {"lr": bad_numbers(-1e-3), "beta1": bad_numbers(-0.1, 1.0), "beta2": bad_numbers(-0.1, 1.0),
              "eps": bad_numbers(0.0, -1e-8), "weight_decay": bad_numbers(-0.1), "decoupled": BAD_BOOLS}

case("adam.init_adam_state", lambda: {"params": _model(), "amsgrad": True},
     params=bad_params(_model()), amsgrad=BAD_BOOLS)
for name in ("adam_step", "adam_step_inplace"):
    # amsgrad=True with the valid state, which has no 's_max': refused, naming amsgrad
    case(f"adam.{name}", _adam_valid, params=bad_params(_model()), grads=bad_twins(_model()),
         state=_adam_bad_state(), **ADAM_HYPER, amsgrad=[*BAD_BOOLS, True], maximize=BAD_BOOLS)
# adam_step_inplace needs writeable C-contiguous arrays, and says so
CASES["adam.adam_step_inplace"].bad["params"].append({"W1": np.zeros((4, 3)).T, "b1": np.zeros(3)})

IMAGES = np.random.default_rng(1).random((3, 5, 6, 2))
# images may have any real dtype (uint8 pixels too): no integer array among the bad values
IMAGES_BAD = [None, "abc", IMAGES.astype(bool), IMAGES.astype(np.complex64), IMAGES.astype(object),
              _with(IMAGES, np.nan), _with(IMAGES, np.inf), np.empty((0, 5, 6, 2)), IMAGES[0]]

case("augmentation.random_horizontal_flip", lambda: {"images": IMAGES.copy(), "rng": _rng(), "p": 0.5},
     images=IMAGES_BAD, rng=BAD_RNGS, p=bad_numbers(-0.1, 1.5))
case("augmentation.remap_flipped_labels",
     lambda: {"labels": np.array([0, 1, 2]), "flipped": np.array([True, False, True]),
              "pairs": {0: 1}},
     labels=[None, "abc", np.array([0.0, 1.0, 2.0]), np.array([[0, 1, 2]]), np.array([], int),
             np.array([True, False, True])],
     flipped=[None, np.array([1, 0, 1]), np.array([True, False]), "yes"],
     pairs=[None, {}, [(0, 1)], {0: "1"}, {0: 1.5}, {True: 1}, {0: 1, 1: 2}])
case("augmentation.random_crop",
     lambda: {"images": IMAGES.copy(), "rng": _rng(), "padding": 2, "pad_mode": "constant"},
     images=IMAGES_BAD, rng=BAD_RNGS, padding=bad_ints(-1), pad_mode=bad_choices("edge"))
case("augmentation.add_gaussian_noise",
     lambda: {"images": IMAGES.copy(), "rng": _rng(), "std": 0.1, "clip": (0.0, 1.0)},
     images=[*IMAGES_BAD, (IMAGES * 255).astype(np.uint8)], rng=BAD_RNGS, std=bad_numbers(-0.1),
     clip=["abc", (1.0,), (1.0, 0.0), (0.0, np.nan), (np.nan, 1.0), ("a", "b"), (None, 1.0),
           (0.0, np.inf), 1.0])

X_BN = np.random.default_rng(2).normal(size=(5, 3))
X_BN2D = np.random.default_rng(5).normal(size=(2, 3, 2, 3))  # (N, C, H, W), H != W


def _bn_valid(x=X_BN):
    from snippets.batchnorm import batchnorm_forward, init_batchnorm

    gamma, beta, state = init_batchnorm(3)
    _, _, state = batchnorm_forward(X_BN, gamma, beta, state)  # one batch counted
    # momentum=None (a cumulative average) needs state['num_batches_tracked']: removing it is refused
    return {"x": x.copy(), "gamma": gamma + 0.5, "beta": beta - 0.25, "state": state,
            "training": True, "momentum": None, "eps": 1e-5}


def _bn_bad_state():
    stat = np.zeros(3)
    bad = [*bad_arrays(stat), np.zeros(4), np.zeros((1, 3))]
    state = _bn_valid()["state"]
    # None is a valid state (track_running_stats=False)
    return bad_state_dicts(state, {"running_mean": bad, "running_var": bad + [-np.ones(3)],
                                   "num_batches_tracked": bad_ints(-1)})[1:]


BAD_BN_MOMENTA = [m for m in bad_numbers(-0.1, 1.5, "x") if m is not None]  # None: cumulative
BAD_BN_PARAMS = [m for m in bad_arrays(np.ones(3)) if m is not None] + [np.ones(4), np.ones((1, 3))]
case("batchnorm.init_batchnorm",
     lambda: {"n_features": 3, "dtype": np.float32, "affine": True, "track_running_stats": True},
     n_features=bad_ints(0, -2), dtype=bad_dtypes(), affine=BAD_BOOLS, track_running_stats=BAD_BOOLS)
# gamma=None with an array beta (or the reverse) is refused: both None means affine=False
case("batchnorm.batchnorm_forward", _bn_valid,
     x=[*bad_arrays(X_BN), X_BN[:1], X_BN[0], X_BN[:, :2], X_BN[None], X_BN2D],
     gamma=[None, *BAD_BN_PARAMS], beta=[None, *BAD_BN_PARAMS],
     state=_bn_bad_state(), training=BAD_BOOLS, momentum=BAD_BN_MOMENTA,
     eps=bad_numbers(0.0, -1e-5))
case("batchnorm.batchnorm2d_forward", lambda: _bn_valid(X_BN2D),
     # a 3-D x (N, C, L) is BatchNorm1d's, not BatchNorm2d's; one value per channel has no variance
     x=[*bad_arrays(X_BN2D), X_BN2D[0], X_BN2D[:, :, 0], X_BN2D[:1, :, :1, :1], X_BN2D[:, :2],
        X_BN2D[None], X_BN],
     gamma=[None, *BAD_BN_PARAMS], beta=[None, *BAD_BN_PARAMS],
     state=_bn_bad_state(), training=BAD_BOOLS, momentum=BAD_BN_MOMENTA,
     eps=bad_numbers(0.0, -1e-5))


def _bn_backward_valid():
    from snippets.batchnorm import batchnorm_forward

    _, cache, _ = batchnorm_forward(**_bn_valid())
    return {"dout": np.random.default_rng(3).normal(size=X_BN.shape), "cache": cache}


def _bn_bad_caches():
    cache = _bn_backward_valid()["cache"]
    return [None, [], {}, *({k: v for k, v in cache.items() if k != key} for key in cache),
            {**cache, "x_hat": _with(cache["x_hat"], np.nan)},
            {**cache, "inv_std": _with(cache["inv_std"], np.inf)},
            {**cache, "gamma": cache["gamma"][:2]}, {**cache, "gamma": "abc"},
            {**cache, "training": "no"}, {**cache, "extra": 1}]


case("batchnorm.batchnorm_backward", _bn_backward_valid,
     dout=[*bad_arrays(X_BN), X_BN[:, :2], X_BN.T], cache=_bn_bad_caches())


def _bn2d_backward_valid():
    from snippets.batchnorm import batchnorm2d_forward

    _, cache, _ = batchnorm2d_forward(**_bn_valid(X_BN2D))
    return {"dout": np.random.default_rng(6).normal(size=X_BN2D.shape), "cache": cache}


def _bn2d_bad_caches():
    cache = _bn2d_backward_valid()["cache"]
    rows = cache["rows"]
    return [None, [], {}, _bn_backward_valid()["cache"], {"rows": rows}, {"shape": cache["shape"]},
            {**cache, "extra": 1}, {**cache, "shape": list(cache["shape"])},
            {**cache, "shape": (2, 3, 3, 2, 1)}, {**cache, "shape": (2, 3, 3, 3)},
            {**cache, "shape": (2, 3, 2, 3.0)}, {**cache, "shape": (2, 3, True, 3)},
            {**cache, "rows": None}, {**cache, "rows": {**rows, "x_hat": _with(rows["x_hat"], np.nan)}},
            {**cache, "rows": {**rows, "training": 1}}]


case("batchnorm.batchnorm2d_backward", _bn2d_backward_valid,
     dout=[*bad_arrays(X_BN2D), X_BN2D[:, :, :, :2], X_BN2D.transpose(0, 1, 3, 2), X_BN2D[0]],
     cache=_bn2d_bad_caches())

# layer_norm: layer and group normalization
X_LN = np.random.default_rng(21).normal(size=(3, 2, 4))
X_GN = np.random.default_rng(22).normal(size=(2, 6, 3))


def _ln_valid():
    return {"x": X_LN.copy(), "normalized_shape": (2, 4), "gamma": np.full((2, 4), 1.5),
            "beta": np.full((2, 4), -0.5), "eps": 1e-5}


def _gn_valid():
    return {"x": X_GN.copy(), "num_groups": 3, "gamma": np.full(6, 1.5), "beta": np.full(6, 0.5),
            "eps": 1e-5}


def _norm_backward_valid(forward, valid):
    _, cache = forward(**valid())
    return {"dout": np.random.default_rng(23).normal(size=cache["x_hat"].shape), "cache": cache}


def _norm_bad_caches(cache, count):
    return [None, [], {}, *({k: v for k, v in cache.items() if k != key} for key in cache),
            {**cache, "x_hat": _with(cache["x_hat"], np.nan)},
            {**cache, "inv_std": _with(cache["inv_std"], np.inf)},
            {**cache, "inv_std": cache["inv_std"][:1]},
            {**cache, "gamma": cache["gamma"][:1]}, {**cache, count: "2"}, {**cache, count: 0},
            {**cache, count: 5}]


def _ln_backward_valid():
    from snippets.layer_norm import layer_norm_forward
    return _norm_backward_valid(layer_norm_forward, _ln_valid)


def _gn_backward_valid():
    from snippets.layer_norm import group_norm_forward
    return _norm_backward_valid(group_norm_forward, _gn_valid)


AFFINE_LN = [*bad_arrays(np.ones((2, 4)))[1:], np.ones(4), np.ones((4, 2))]  # None means no affine
AFFINE_GN = [*bad_arrays(np.ones(6))[1:], np.ones(3), np.ones((6, 1))]
case("layer_norm.layer_norm_forward", _ln_valid,
     x=[*bad_arrays(X_LN), X_LN[..., :3], X_LN[0, 0]],
     normalized_shape=[None, "4", 4.0, (), (2.0, 4), True, (4, 2), (3, 2, 4, 1), 3],
     gamma=AFFINE_LN, beta=AFFINE_LN, eps=bad_numbers(0.0, -1e-5))
case("layer_norm.layer_norm_backward", _ln_backward_valid,
     dout=[*bad_arrays(X_LN), X_LN[..., :3], X_LN[0]],
     cache=_norm_bad_caches(_ln_backward_valid()["cache"], "ndim"))
case("layer_norm.group_norm_forward", _gn_valid,
     x=[*bad_arrays(X_GN), X_GN[0, 0], X_GN[:, :4]],
     num_groups=bad_ints(0, -1, 4, 5), gamma=AFFINE_GN, beta=AFFINE_GN, eps=bad_numbers(0.0, -1.0))
case("layer_norm.group_norm_backward", _gn_backward_valid,
     dout=[*bad_arrays(X_GN), X_GN[:, :4], X_GN[0]],
     cache=_norm_bad_caches(_gn_backward_valid()["cache"], "num_groups"))

# clipping: gradient clipping by global norm and by value
def _clip_bad_grads(keep):
    """bad_params, except the non-finite arrays that ``keep`` says the function accepts."""
    grads = _model()
    key, value = next(iter(grads.items()))
    accepted = [{**grads, key: _with(value, x)} for x in keep]
    return [b for b in bad_params(grads)
            if not any(_same(b, a) for a in accepted)] + [{**grads, key: value.astype(np.float32)}]


def _same(a, b):
    if not (isinstance(a, dict) and set(a) == set(b)):
        return False
    return all(np.asarray(a[k]).dtype == b[k].dtype and np.array_equal(a[k], b[k], equal_nan=True)
               for k in a)


NORM_TYPES = [None, "2", True, np.array([2.0]), 0.0, -1.0, -np.inf, np.nan]
case("clipping.global_grad_norm", lambda: {"grads": _model(), "norm_type": 3.0},
     grads=_clip_bad_grads([np.nan, np.inf, -np.inf]), norm_type=NORM_TYPES)
case("clipping.clip_grad_norm",
     lambda: {"grads": _model(), "max_norm": 0.5, "norm_type": np.inf, "error_if_nonfinite": True},
     grads=_clip_bad_grads([]), max_norm=bad_numbers(0.0, -1.0), norm_type=NORM_TYPES,
     error_if_nonfinite=BAD_BOOLS)
case("clipping.clip_grad_value", lambda: {"grads": _model(), "clip_value": 0.5},
     grads=_clip_bad_grads([np.inf, -np.inf]), clip_value=bad_numbers(0.0, -0.5))

# adaptive: AdaGrad and RMSprop
def _adagrad_valid():
    from snippets.adaptive import adagrad_step, init_adagrad_state

    params = _model()
    grads = _grads(params)
    _, state = adagrad_step(params, grads, init_adagrad_state(params))
    return {"params": params, "grads": grads, "state": state, "lr": 0.01, "lr_decay": 0.01,
            "weight_decay": 0.01, "eps": 1e-10}


def _rmsprop_valid():
    from snippets.adaptive import init_rmsprop_state, rmsprop_step

    params = _model()
    grads = _grads(params)
    _, state = rmsprop_step(params, grads, init_rmsprop_state(params), momentum=0.9, centered=True)
    return {"params": params, "grads": grads, "state": state, "lr": 0.01, "alpha": 0.99,
            "eps": 1e-8, "weight_decay": 0.01, "momentum": 0.9, "centered": True}


def _adaptive_bad_state(valid, keys):
    state = valid()["state"]
    moments = bad_twins(state["s"])
    nested = {"t": bad_ints(-1), **{k: moments for k in keys}}
    nested["s"] = moments + [{k: -np.abs(v) - 1 for k, v in state["s"].items()}]
    return bad_state_dicts(state, nested)


case("adaptive.init_adagrad_state", lambda: {"params": _model(), "initial_accumulator_value": 0.1},
     params=bad_params(_model()), initial_accumulator_value=bad_numbers(-0.1))
case("adaptive.adagrad_step", _adagrad_valid, params=bad_params(_model()), grads=bad_twins(_model()),
     state=_adaptive_bad_state(_adagrad_valid, ["s"]), lr=bad_numbers(-1e-3),
     lr_decay=bad_numbers(-0.1), weight_decay=bad_numbers(-0.1), eps=bad_numbers(0.0, -1e-10))
case("adaptive.init_rmsprop_state", lambda: {"params": _model()}, params=bad_params(_model()))
case("adaptive.rmsprop_step", _rmsprop_valid, params=bad_params(_model()), grads=bad_twins(_model()),
     state=_adaptive_bad_state(_rmsprop_valid, ["s", "m", "v"]), lr=bad_numbers(-1e-3),
     alpha=bad_numbers(-0.1, 1.0), eps=bad_numbers(0.0, -1e-8), weight_decay=bad_numbers(-0.1),
     momentum=bad_numbers(-0.1, 1.0), centered=BAD_BOOLS)
# ---- convolution (snippets/convolution.py)
X_CONV = np.random.default_rng(5).normal(size=(2, 4, 6, 5))
W_CONV = np.random.default_rng(6).normal(size=(6, 2, 3, 2))
BAD_PAIRS = [None, "1", 1.5, True, (1,), (1, 2, 3), (1, "2"), [1.0, 1]]


def _conv_valid():
    return {"x": X_CONV.copy(), "w": W_CONV.copy(), "b": np.linspace(-1, 1, 6), "stride": (2, 1),
            "padding": 1, "dilation": (1, 2), "groups": 2}


CONV_BAD = {"x": [*bad_arrays(X_CONV), X_CONV[0], X_CONV[:, :3], X_CONV[None]],
            "w": [*bad_arrays(W_CONV), W_CONV[0], W_CONV[:, :1], W_CONV[:5], np.ones((6, 2, 9, 1))],
            "b": [*bad_arrays(np.ones(6))[1:], np.ones(5), np.ones((6, 1))],  # None: no bias, valid
            "stride": [*BAD_PAIRS, 0, (1, 0)], "padding": [*BAD_PAIRS[:-1], -1, (0, -1)],
            "dilation": [*BAD_PAIRS, 0, (0, 1)], "groups": [*bad_ints(0), 3, 4]}
case("convolution.conv2d_forward", _conv_valid, **CONV_BAD)
case("convolution.conv2d_forward_loops", _conv_valid, **CONV_BAD)


def _conv_backward_valid():
    from snippets.convolution import conv2d_forward

    out, cache = conv2d_forward(**_conv_valid())
    return {"dout": np.random.default_rng(3).normal(size=out.shape), "cache": cache}


def _conv_bad_caches():
    cache = _conv_backward_valid()["cache"]
    return [None, [], {}, *({k: v for k, v in cache.items() if k != key} for key in cache),
            {**cache, "w": _with(cache["w"], np.nan)}, {**cache, "w": cache["w"][:, :1]},
            {**cache, "cols": cache["cols"][:, :1]}, {**cache, "cols": cache["cols"].astype(np.float32)},
            {**cache, "x_shape": (2, 4, 6)}, {**cache, "stride": 0}, {**cache, "has_bias": "yes"}]


DOUT_CONV = _conv_backward_valid()["dout"]
case("convolution.conv2d_backward", _conv_backward_valid,
     dout=[*bad_arrays(DOUT_CONV), DOUT_CONV[:1], DOUT_CONV[..., :-1]], cache=_conv_bad_caches())
case("convolution.conv2d_backward_loops", lambda: {**_conv_valid(), "dout": DOUT_CONV.copy()},
     dout=[*bad_arrays(DOUT_CONV), DOUT_CONV[:1], DOUT_CONV[..., :-1]], **CONV_BAD)
case("convolution.conv_output_size",
     lambda: {"size": 9, "kernel_size": 3, "stride": 2, "padding": 1, "dilation": 2},
     size=[*bad_ints(0), 1], kernel_size=[*bad_ints(0), 9], stride=bad_ints(0),
     padding=bad_ints(-1), dilation=[*bad_ints(0), 7])
case("convolution.receptive_field", lambda: {"layers": [(3, 1, 1), (2, 2, 1), (3, 1, 2)]},
     layers=[None, 3, "abc", [(3, 1)], [(3, 1, 1, 1)], [3], [(0, 1, 1)], [(3, 1.0, 1)], [(3, True, 1)]])
case("convolution.conv2d_param_count",
     lambda: {"in_channels": 16, "out_channels": 32, "kernel_size": (3, 1), "groups": 4, "bias": True},
     in_channels=[*bad_ints(0), 6], out_channels=[*bad_ints(0), 30], kernel_size=[*BAD_PAIRS, 0],
     groups=[*bad_ints(0), 3], bias=BAD_BOOLS)

A = np.random.default_rng(4).normal(size=(4, 5))
case("dropout.dropout_forward", lambda: {"a": A.copy(), "keep_prob": 0.8, "rng": _rng(),
                                         "training": True},
     a=bad_arrays(A), keep_prob=bad_numbers(0.0, -0.5, 1.5), rng=BAD_RNGS, training=BAD_BOOLS)
case("dropout.dropout_backward",
     lambda: {"da": A.copy(), "mask": A > 0, "keep_prob": 0.8},
     da=bad_arrays(A), mask=[None, (A > 0).astype(int), (A > 0)[:, :2], "mask"],
     keep_prob=bad_numbers(0.0, 1.5))

A4 = np.random.default_rng(12).normal(size=(3, 4, 2, 5))  # (N, C, H, W), H != W
MASK4 = np.random.default_rng(13).random((3, 4, 1, 1)) < 0.8
case("dropout.dropout2d_forward", lambda: {"a": A4.copy(), "keep_prob": 0.8, "rng": _rng(),
                                           "training": True},
     a=[*bad_arrays(A4), A4[0], A4[:, :, 0], A4[None], A],  # 3-D is Dropout1d's, not ours
     keep_prob=bad_numbers(0.0, -0.5, 1.5), rng=BAD_RNGS, training=BAD_BOOLS)
case("dropout.dropout2d_backward", lambda: {"da": A4.copy(), "mask": MASK4.copy(), "keep_prob": 0.8},
     da=[*bad_arrays(A4), A4[0], A4[:, :3], A4[:, :, :, :2].T],
     mask=[None, "mask", MASK4.astype(int), MASK4.astype(float), MASK4[:, :3], MASK4[..., 0, 0],
           np.broadcast_to(MASK4, A4.shape), MASK4[:2]],
     keep_prob=bad_numbers(0.0, 1.5))


def _mc_forward(x, rng):
    from snippets.dropout import dropout_forward

    return dropout_forward(x, 0.8, rng)[0]


case("dropout.mc_dropout_predict",
     lambda: {"forward": _mc_forward, "x": A.copy(), "n_samples": 3, "rng": _rng()},
     forward=[*BAD_CALLABLES, lambda x, rng: np.full(x.shape, np.nan), lambda x, rng: "abc",
              lambda x, rng: None],
     x=bad_arrays(A), n_samples=bad_ints(1, 0), rng=BAD_RNGS)



def _loss(params):
    return float(sum(np.sum(np.sin(p)) for p in params.values()))


BAD_LOSS_FNS = [*BAD_CALLABLES, lambda p: np.nan, lambda p: "abc", lambda p: np.ones(2),
                lambda p: None, lambda p: np.inf]
case("gradient_check.params_to_vector", lambda: {"params": _model()},
     params=[*bad_params(_model()), {**_model(), "b1": np.ones(3, np.float32)}])
case("gradient_check.vector_to_params",
     lambda: {"vector": np.arange(15.0), "layout": (("W1", (3, 4)), ("b1", (3,)))},
     vector=[*bad_arrays(np.arange(15.0)), np.arange(16.0), np.arange(15.0).reshape(3, 5)],
     layout=[None, "abc", 3, (("W1", (3, 4)),), (("W1", (3, -4)), ("b1", (3,))),
             ((1, (3, 4)), ("b1", (3,))), (("W1", "ab"), ("b1", (3,))), (("W1",), ("b1", (3,))),
             (("W1", (3, 4)), ("W1", (3,))), (("W1", (3, 4.0)), ("b1", (3,)))])
case("gradient_check.numerical_gradient",
     lambda: {"loss_fn": _loss, "params": _model(), "eps": 1e-6},
     loss_fn=BAD_LOSS_FNS, params=[*bad_params(_model()), _model(np.float32)],
     eps=bad_numbers(0.0, -1e-7, 1.0))
case("gradient_check.relative_error",
     lambda: {"grad": np.arange(4.0), "grad_num": np.arange(4.0) + 0.5},
     grad=[*bad_arrays(np.arange(4.0)), np.arange(5.0), {"a": np.arange(4.0)}],
     grad_num=[*bad_arrays(np.arange(4.0)), np.arange(5.0), {"a": np.arange(4.0)}])
case("gradient_check.gradient_check",
     lambda: {"loss_fn": _loss, "params": _model(), "grads": {k: np.cos(v) for k, v in _model().items()},
              "eps": 1e-6, "threshold": 1e-6},
     loss_fn=BAD_LOSS_FNS, params=[*bad_params(_model()), _model(np.float32)],
     grads=bad_twins(_model()), eps=bad_numbers(0.0, 1.0), threshold=bad_numbers(0.0, 1.0, -1.0))

W = np.array([1.0, -2.0])
case("gradient_descent.gd_step", lambda: {"params": _model(), "grads": _grads(_model()), "lr": 0.1},
     params=bad_params(_model()), grads=bad_twins(_model()), lr=bad_numbers(-0.1))
case("gradient_descent.quadratic_bowl", lambda: {"w": W.copy(), "curvatures": (1.0, 10.0)},
     w=[*bad_arrays(W), W[:1], W[None]],
     curvatures=[None, "ab", (1.0,), (1.0, 0.0), (1.0, -1.0), (1.0, np.nan), (1.0, np.inf),
                 ((1.0, 2.0), (3.0, 4.0))])


def _bowl(w):
    return 0.5 * float(w @ w), w.copy()


case("gradient_descent.run_gradient_descent",
     lambda: {"loss_and_grad": _bowl, "w0": W.copy(), "lr": 0.1, "steps": 3},
     loss_and_grad=[*BAD_CALLABLES, lambda w: (np.nan, w), lambda w: ("abc", w), lambda w: 1.0,
                    lambda w: (1.0, w * np.nan), lambda w: (1.0, w[:1]), lambda w: (1.0, None)],
     w0=[*bad_arrays(W), W[None]], lr=bad_numbers(-0.1), steps=bad_ints(0, -1))

BAD_SHAPES = [None, "ab", 3, (3,), (3, 4, 5), (0, 4), (3, -4), (3.0, 4), (True, 4), (3, "4")]
case("initialization.fan_in_and_fan_out", lambda: {"shape": (3, 4)}, shape=BAD_SHAPES)
case("initialization.zeros", lambda: {"shape": (3, 4), "rng": None, "dtype": np.float32},
     shape=BAD_SHAPES, rng=BAD_RNGS[1:], dtype=bad_dtypes())
case("initialization.random_normal",
     lambda: {"shape": (3, 4), "rng": _rng(), "scale": 0.01, "dtype": np.float32},
     shape=BAD_SHAPES, rng=BAD_RNGS, scale=bad_numbers(0.0, -1.0), dtype=bad_dtypes())
for name in ("xavier_normal", "xavier_uniform"):
    case(f"initialization.{name}",
         lambda: {"shape": (3, 4), "rng": _rng(), "dtype": np.float32, "gain": 5 / 3},
         shape=BAD_SHAPES, rng=BAD_RNGS, dtype=bad_dtypes(), gain=bad_numbers(0.0, -1.0))
for name in ("he_normal", "he_uniform"):
    case(f"initialization.{name}",
         lambda: {"shape": (3, 4), "rng": _rng(), "dtype": np.float32, "gain": 1.0,
                  "mode": "fan_out"},
         shape=BAD_SHAPES, rng=BAD_RNGS, dtype=bad_dtypes(), gain=bad_numbers(0.0, -1.0),
         mode=bad_choices("fan_avg", "FAN_IN"))
case("initialization.calculate_gain", lambda: {"nonlinearity": "leaky_relu", "param": 0.2},
     nonlinearity=bad_choices("Relu", "identity", "softmax"), param=["0.2", True, 1j, np.nan, np.inf,
                                                                    np.array([0.1, 0.2])])
case("initialization.init_params",
     lambda: {"layer_sizes": [4, 3, 2], "method": "he", "rng": _rng(), "scale": 0.01,
              "dtype": np.float64},
     layer_sizes=[None, "43", 4, [4], [], [4, 0, 2], [4, -3, 2], [4, 3.0, 2], [4, True, 2],
                  [4, "3", 2]],
     method=bad_choices("He", "kaiming"), rng=BAD_RNGS, scale=bad_numbers(0.0, -0.01),
     dtype=bad_dtypes())

case("l2.l2_cost", lambda: {"params": _model(), "lambd": 0.1, "m": 10},
     params=[*bad_params(_model()), {"b1": np.ones(3)}], lambd=bad_numbers(-0.1),
     m=bad_ints(0, -1))
case("l2.l2_grads", lambda: {"params": _model(), "grads": _grads(_model()), "lambd": 0.1, "m": 10},
     params=bad_params(_model()), grads=bad_twins(_model()), lambd=bad_numbers(-0.1),
     m=bad_ints(0, -1))


def _lr_loss(params, batch):
    w = params["w"]
    return float(np.sum((w - batch) ** 2)), {"w": 2 * (w - batch)}


LR_PARAMS = {"w": np.array([1.0, -1.0])}
case("lr_finder.lr_range_test",
     lambda: {"params": {"w": np.array([1.0, -1.0])}, "loss_and_grads": _lr_loss,
              "batches": [np.zeros(2), np.ones(2)], "lr_min": 1e-4, "lr_max": 1.0, "num_steps": 5,
              "smoothing": 0.5, "diverge_factor": 4.0},
     params=bad_params(LR_PARAMS),
     loss_and_grads=[*BAD_CALLABLES, lambda p, b: ("abc", p), lambda p, b: 1.0,
                     lambda p, b: (1.0, None), lambda p, b: (1.0, {"v": p["w"]}),
                     lambda p, b: (1.0, {"w": p["w"][:1]}), lambda p, b: (1.0, {"w": "ab"}),
                     lambda p, b: (np.ones(2), p)],  # NaN loss or grads: a divergence, it stops
     batches=[None, 3, [], iter([])],
     lr_min=bad_numbers(0.0, -1.0, 2.0), lr_max=bad_numbers(1e-5, 0.0),
     num_steps=bad_ints(1, 0), smoothing=bad_numbers(-0.1, 1.0), diverge_factor=bad_numbers(1.0, 0.5))


def _lr_result():
    lrs = np.geomspace(1e-4, 1.0, 6)
    return {"lrs": lrs, "losses": np.array([1.0, 0.9, 0.5, 0.3, 0.6, 2.0]),
            "raw_losses": np.array([1.0, 0.9, 0.5, 0.3, 0.6, 2.0]), "stopped_early": False}


def _bad_results():
    good = _lr_result()
    return [None, [], {}, {"lrs": good["lrs"]}, {**good, "losses": _with(good["losses"], np.nan)},
            {**good, "lrs": _with(good["lrs"], np.nan)}, {**good, "lrs": _with(good["lrs"], 0.0)},
            {**good, "lrs": _with(good["lrs"], -1.0)}, {**good, "lrs": good["lrs"][:2],
                                                         "losses": good["losses"][:2]},
            {**good, "losses": good["losses"][:4]}, {**good, "lrs": good["lrs"][::-1]},
            {**good, "losses": "abc"}, {**good, "lrs": None}]


case("lr_finder.suggest_lr", lambda: {"result": _lr_result(), "method": "minimum", "divisor": 10.0},
     result=_bad_results(), method=bad_choices("min"), divisor=bad_numbers(0.5, 0.0))

XB, YB = np.arange(20.0).reshape(10, 2), np.arange(10)
for name in ("shuffle_and_partition", "iterate_minibatches"):
    case(f"minibatches.{name}",
         lambda: {"X": XB.copy(), "y": YB.copy(), "batch_size": 3, "rng": _rng(), "drop_last": False},
         X=[None, "abc", XB[:9], np.empty((0, 2)), np.array(1.0)],
         y=[None, "abc", YB[:9], np.array(1)],
         batch_size=bad_ints(0, -1), rng=BAD_RNGS, drop_last=BAD_BOOLS)
case("minibatches.iterations_per_epoch", lambda: {"n_examples": 10, "batch_size": 3, "drop_last": True},
     n_examples=bad_ints(0, -1), batch_size=bad_ints(0), drop_last=BAD_BOOLS)


def _mlp_model(dtype=np.float64):
    rng = _rng()
    return {"W1": rng.normal(size=(5, 4)).astype(dtype), "b1": rng.normal(size=5).astype(dtype),
            "W2": rng.normal(size=(3, 5)).astype(dtype), "b2": rng.normal(size=3).astype(dtype)}


X_MLP = np.random.default_rng(5).normal(size=(6, 4))
Y_MLP = np.eye(3)[[0, 1, 2, 0, 1, 2]]


def _bad_mlp_params():
    p = _mlp_model()
    return [*bad_params(p), {k: v for k, v in p.items() if k != "b2"}, {**p, "W3": p["W2"]},
            {**p, "b1": np.ones(4)}, {**p, "W2": np.ones((3, 4))}, {**p, "b2": p["b2"].astype(np.float32)},
            {**p, "W1": p["W1"][None]}]


BAD_X_MLP = [*bad_arrays(X_MLP), X_MLP[:, :3], X_MLP[0], X_MLP.astype(np.float32)]
case("mlp.mlp_forward",
     lambda: {"params": _mlp_model(), "X": X_MLP.copy(), "output": "softmax", "keep_prob": 0.8,
              "rng": _rng(), "training": True},
     params=_bad_mlp_params(), X=BAD_X_MLP, output=bad_choices("relu"),
     keep_prob=bad_numbers(0.0, 1.5), rng=BAD_RNGS, training=BAD_BOOLS)


def _probs():
    e = np.exp(X_MLP[:, :3])
    return e / e.sum(axis=1, keepdims=True)


case("mlp.mlp_loss", lambda: {"out": _probs(), "Y": Y_MLP.copy(), "output": "softmax"},
     out=[*bad_arrays(_probs()), _probs() * 2, -_probs(), _probs()[0]],
     Y=[*bad_arrays(Y_MLP), Y_MLP * 2, Y_MLP[:, :2], Y_MLP * 0.5], output=bad_choices())


def _mlp_backward_valid():
    from snippets.mlp import mlp_forward

    params = _mlp_model()
    _, cache = mlp_forward(params, X_MLP.copy(), keep_prob=0.8, rng=_rng())
    return {"params": params, "cache": cache, "Y": Y_MLP.copy(), "output": "softmax"}


def _bad_mlp_caches():
    cache = _mlp_backward_valid()["cache"]
    return [None, [], {}, *({k: v for k, v in cache.items() if k != key} for key in ("A0", "Z1", "A2")),
            {**cache, "A1": _with(cache["A1"], np.nan)}, {**cache, "Z2": cache["Z2"][:, :2]},
            {**cache, "keep_prob": 0.0}, {**cache, "keep_prob": "x"}, {**cache, "D1": "mask"},
            {**cache, "A2": cache["A2"][:3]}, {**cache, "A0": cache["A0"][:, :3]}]


case("mlp.mlp_backward", _mlp_backward_valid, params=_bad_mlp_params(), cache=_bad_mlp_caches(),
     Y=[*bad_arrays(Y_MLP), Y_MLP[:, :2], Y_MLP * 0.5], output=[*bad_choices(), "sigmoid"])
case("mlp.mlp_predict", lambda: {"params": _mlp_model(), "X": X_MLP.copy(), "output": "sigmoid"},
     params=_bad_mlp_params(), X=BAD_X_MLP, output=bad_choices())


def _momentum_valid():
    from snippets.momentum import init_momentum_state, momentum_step

    params = _model()
    grads = _grads(params)
    _, state = momentum_step(params, grads, init_momentum_state(params), lr=0.1)
    return {"params": params, "grads": grads, "state": state, "lr": 0.1, "beta": 0.9,
            "form": "pytorch", "dampening": 0.0, "nesterov": True}


def _momentum_bad_state():
    state = _momentum_valid()["state"]
    return bad_state_dicts(state, {"step": bad_ints(-1), "velocity": bad_twins(state["velocity"])})


for name in ("tuned_gradient_descent", "tuned_momentum"):
    case(f"momentum.{name}", lambda: {"c_min": 1.0, "c_max": 10.0},
         c_min=bad_numbers(0.0, -1.0, 20.0), c_max=bad_numbers(0.0, 0.5))
case("momentum.init_momentum_state", lambda: {"params": _model()}, params=bad_params(_model()))
for name in ("momentum_step", "momentum_step_inplace"):
    case(f"momentum.{name}", _momentum_valid, params=bad_params(_model()), grads=bad_twins(_model()),
         state=_momentum_bad_state(), lr=bad_numbers(-0.1), beta=bad_numbers(-0.1, 1.0, 0.0),
         form=bad_choices("ema"), dampening=bad_numbers(-0.1, 1.5, 0.5), nesterov=BAD_BOOLS)
CASES["momentum.momentum_step_inplace"].bad["params"].append({"W1": np.zeros((4, 3)).T,
                                                              "b1": np.zeros(3)})

YP, YT = np.array([[0.5, 1.5], [-1.0, 2.0]]), np.array([[0.0, 1.0], [1.0, 1.0]])
# weights: None is valid (no weights), so bad_arrays' first value (None) is left out
BAD_WEIGHTS = [*bad_arrays(np.ones(2))[1:], np.ones(3), np.array([1.0, -1.0])]
for name in ("mse", "mse_grad"):
    case(f"objectives.{name}", lambda: {"y_pred": YP.copy(), "y_true": YT.copy(),
                                        "reduction": "none"},
         y_pred=[*bad_arrays(YP), YP[0]], y_true=[*bad_arrays(YT), YT[0]],
         reduction=bad_choices("average"))
for name in ("bce_with_logits", "bce_with_logits_grad"):
    case(f"objectives.{name}", lambda: {"logits": YP.copy(), "targets": YT.copy(),
                                        "reduction": "mean", "weight": np.array([0.5, 2.0]),
                                        "pos_weight": np.array([[3.0], [0.5]])},
         logits=[*bad_arrays(YP), YP[0]], targets=[*bad_arrays(YT), YT[0], YT * 2, YT - 2],
         reduction=bad_choices("average"), weight=[*BAD_WEIGHTS, np.ones((3, 2, 2))],
         pos_weight=[*BAD_WEIGHTS, np.ones((2, 3))])
for name in ("softmax_cross_entropy", "softmax_cross_entropy_grad"):
    case(f"objectives.{name}",
         lambda: {"logits": YP.copy(), "labels": np.array([1, 0]), "reduction": "sum",
                  "weight": np.array([1.0, 2.0]), "ignore_index": -100, "label_smoothing": 0.1},
         logits=[*bad_arrays(YP), YP[0], YP[None]],
         labels=[None, "ab", np.array([1, 2]), np.array([-1, 0]), np.array([1]), np.array([[1, 0]]),
                 np.array([True, False]), YT, _with(YT / 2, np.nan), np.array([1.0, 0.0]),
                 np.array([1 + 0j, 0]), np.full((2, 2), 0.5)],  # probabilities + ignore_index
         reduction=bad_choices("average"), weight=[*BAD_WEIGHTS, np.ones((2, 2))],
         ignore_index=[1.0, "1", True, np.array([1]), np.float64(-100.0)],
         label_smoothing=bad_numbers(-0.1, 1.5))
case("objectives.multilabel_predict", lambda: {"logits": YP.copy(), "threshold": 0.5},
     logits=[*bad_arrays(YP), YP[0]], threshold=bad_numbers(0.0, 1.0, -0.5))

# ---- pooling (snippets/pooling.py)
X_POOL = np.random.default_rng(9).normal(size=(2, 3, 7, 6))
POOL_BAD = {"x": [*bad_arrays(X_POOL), X_POOL[0], X_POOL[:, :, :1, :1]],
            "kernel_size": [*BAD_PAIRS, 0, (3, 0), 8], "stride": [*BAD_PAIRS[1:], 0, (0, 1)],
            "padding": [*BAD_PAIRS[:-1], -1, 2, (1, 2)]}
case("pooling.max_pool2d_forward",
     lambda: {"x": X_POOL.copy(), "kernel_size": (3, 2), "stride": 2, "padding": (1, 0)}, **POOL_BAD)
case("pooling.avg_pool2d_forward",
     lambda: {"x": X_POOL.copy(), "kernel_size": (3, 2), "stride": 2, "padding": (1, 0),
              "count_include_pad": False}, **POOL_BAD, count_include_pad=BAD_BOOLS)


def _pool_backward_valid(kind):
    from snippets import pooling

    out, cache = getattr(pooling, f"{kind}_pool2d_forward")(X_POOL.copy(), 3, 2, 1)
    return {"dout": np.random.default_rng(3).normal(size=out.shape), "cache": cache}


def _pool_bad_caches(kind):
    cache = _pool_backward_valid(kind)["cache"]
    key = "winner" if kind == "max" else "divisor"
    value = cache[key]
    bad_value = [value[:1], value.astype(np.float64) if kind == "max" else value.astype(np.int64)]
    bad_value.append(value + 9 if kind == "max" else -value)
    return [None, [], {}, *({k: v for k, v in cache.items() if k != key} for key in cache),
            *({**cache, key: v} for v in bad_value), {**cache, "x_shape": (2, 3, 7)},
            {**cache, "x_shape": (2, 3, 7, 6.0)}, {**cache, "kernel": 0}, {**cache, "stride": "2"},
            {**cache, "padding": -1}]


for kind in ("max", "avg"):
    dout_pool = _pool_backward_valid(kind)["dout"]
    case(f"pooling.{kind}_pool2d_backward", lambda kind=kind: _pool_backward_valid(kind),
         dout=[*bad_arrays(dout_pool), dout_pool[:1], dout_pool[..., :-1]], cache=_pool_bad_caches(kind))


case("schedules.step_decay", lambda: {"step": 3, "lr0": 0.1, "drop": 0.5, "every": 2},
     step=bad_ints(-1), lr0=bad_numbers(-0.1), drop=bad_numbers(0.0, 1.5), every=bad_ints(0))
case("schedules.triangular_clr",
     lambda: {"step": 3, "base_lr": 0.01, "max_lr": 0.1, "step_size": 2, "step_size_down": 3,
              "mode": "exp_range", "gamma": 0.99},
     step=bad_ints(-1), base_lr=bad_numbers(-0.1, 0.2), max_lr=bad_numbers(0.001),
     step_size=bad_ints(0), step_size_down=bad_ints(0)[1:],  # None is valid: a symmetric cycle
     mode=[*bad_choices("exp"), "triangular"],  # "triangular" with gamma=0.99: gamma unused
     gamma=bad_numbers(0.0, 1.5, -0.5))
case("schedules.sgdr", lambda: {"step": 3, "lr_max": 0.1, "T_0": 2, "T_mult": 2, "eta_min": 0.001},
     step=bad_ints(-1), lr_max=bad_numbers(0.0001), T_0=bad_ints(0), T_mult=bad_ints(0),
     eta_min=bad_numbers(-0.1, 0.2))
case("schedules.one_cycle",
     lambda: {"step": 3, "total_steps": 20, "max_lr": 0.1, "pct_start": 0.3, "div_factor": 25.0,
              "final_div_factor": 1e4, "anneal": "cos", "three_phase": True, "base_momentum": 0.85,
              "max_momentum": 0.95, "cycle_momentum": True},
     step=bad_ints(-1, 20), total_steps=bad_ints(1, 0, 3), max_lr=bad_numbers(0.0, -0.1),
     pct_start=bad_numbers(0.0, 1.0, 0.7), div_factor=bad_numbers(0.5), final_div_factor=bad_numbers(0.5),
     anneal=bad_choices("cosine"), three_phase=BAD_BOOLS, base_momentum=bad_numbers(-0.1, 0.99),
     max_momentum=bad_numbers(1.0, 0.5), cycle_momentum=BAD_BOOLS)

case("schedules.warmup_cosine",
     lambda: {"step": 3, "peak_lr": 0.1, "warmup_steps": 5, "total_steps": 20, "floor_lr": 0.001,
              "start_factor": 0.1},
     step=bad_ints(-1), peak_lr=bad_numbers(-0.1, 0.0001), warmup_steps=bad_ints(0, 20, 25),
     total_steps=bad_ints(5, 1, 0), floor_lr=bad_numbers(-0.1, 0.2),
     start_factor=bad_numbers(0.0, -0.5, 1.5))

W0_QUAD = np.array([1.0, -2.0])
BAD_CURVATURES = [None, "ab", [], [1.0], [0.0, 1.0], [1.0, -1.0], [np.nan, 1.0], [1.0, np.inf],
                  [[1.0, 2.0]]]
BAD_LRS = [None, "0.1", 0.1, {}, [], [0.1, -0.1], [0.1, np.nan], [0.1, "x"], [True]]
case("schedules.sgd_on_noisy_quadratic",
     lambda: {"w0": W0_QUAD.copy(), "curvatures": [1.0, 4.0], "lrs": [0.1, 0.1], "batch_size": 4,
              "noise_std": 1.0, "rng": _rng()},
     w0=[*bad_arrays(W0_QUAD), np.zeros((2, 2, 2))], curvatures=BAD_CURVATURES, lrs=BAD_LRS,
     batch_size=bad_ints(0), noise_std=bad_numbers(-1.0), rng=BAD_RNGS)
case("schedules.sgd_expected_loss",
     lambda: {"w0": W0_QUAD.copy(), "curvatures": [1.0, 4.0], "lrs": [0.1, 0.1], "batch_size": 4,
              "noise_std": 1.0},
     w0=[*bad_arrays(W0_QUAD), np.zeros((3, 2))], curvatures=BAD_CURVATURES, lrs=BAD_LRS,
     batch_size=bad_ints(0), noise_std=bad_numbers(-1.0))
case("schedules.sgd_noise_floor",
     lambda: {"lr": 0.1, "curvatures": [1.0, 4.0], "batch_size": 4, "noise_std": 1.0},
     lr=bad_numbers(-0.1, 0.5, 2.0), curvatures=[*BAD_CURVATURES[:3], BAD_CURVATURES[4],
                                                 *BAD_CURVATURES[5:]],
     batch_size=bad_ints(0), noise_std=bad_numbers(-1.0))


XS = np.array([[1.0, 2.0], [3.0, 5.0], [4.0, -1.0]])
BAD_XS = [*bad_arrays(XS), XS[0], XS[None]]
case("standardization.fit_standardizer", lambda: {"X": XS.copy()}, X=BAD_XS)
case("standardization.standardize",
     lambda: {"X": XS.copy(), "mean": np.array([1.0, 2.0]), "std": np.array([2.0, 0.5])}, X=BAD_XS,
     mean=[*bad_arrays(np.ones(2)), np.ones(3), np.ones((1, 2))],
     std=[*bad_arrays(np.ones(2)), np.ones(3), np.ones((1, 2)), np.array([1.0, 0.0]),
          np.array([1.0, -2.0])])
case("standardization.fit_transform", lambda: {"X_train": XS.copy()}, X_train=BAD_XS)


def _swa_valid():
    from snippets.swa import init_swa_state, swa_update

    return {"state": swa_update(init_swa_state(_model()), _model()), "params": _grads(_model())}


def _swa_bad_states():
    state = _swa_valid()["state"]
    return bad_state_dicts(state, {"averaged": bad_twins(state["averaged"]),
                                   "n_averaged": bad_ints(-1)})


case("swa.init_swa_state", lambda: {"params": _model()}, params=bad_params(_model()))
case("swa.swa_update", _swa_valid, state=_swa_bad_states(), params=bad_twins(_model()))
case("swa.ema_update", lambda: {**_swa_valid(), "decay": 0.9}, state=_swa_bad_states(),
     params=bad_twins(_model()), decay=bad_numbers(-0.1, 1.5))
case("swa.swa_should_update", lambda: {"step": 5, "start": 2, "every": 3},
     step=bad_ints(-1), start=bad_ints(-1), every=bad_ints(0))


# early_stopping
def _es_valid():
    from snippets.early_stopping import init_early_stopping, update_early_stopping

    state, _ = update_early_stopping(init_early_stopping(3, 0.01, "min"), 1.0, _model())
    state, _ = update_early_stopping(state, 1.5, _model())  # a best epoch, then one to wait
    return {"state": state, "value": 0.5, "params": _model()}


def _es_bad_states():
    state = _es_valid()["state"]
    return bad_state_dicts(state, {
        "patience": bad_ints(0), "min_delta": bad_numbers(-0.1), "mode": bad_choices("auto"),
        "epoch": bad_ints(-1, 0), "wait": bad_ints(-1, 0, 5), "best_epoch": bad_ints(-2, 2),
        "stopped": BAD_BOOLS, "best": [np.nan, "1.0", np.inf, True],
        "best_params": [*bad_params(_model())]}) + [
        {**state, "best": None}, {**_es_fresh(), "wait": 1}]


def _es_fresh():
    from snippets.early_stopping import init_early_stopping

    return init_early_stopping(2)


BAD_CURVATURES_ES = [None, "ab", [], [[1.0, 2.0]], [0.0, 1.0], [-1.0], [np.nan], [np.inf],
                     [True, False], [1.0, "x"]]
case("early_stopping.init_early_stopping", lambda: {"patience": 3, "min_delta": 0.01, "mode": "max"},
     patience=bad_ints(0, -1), min_delta=bad_numbers(-0.01), mode=bad_choices("auto", "MIN"))
case("early_stopping.update_early_stopping", _es_valid, state=_es_bad_states(),
     value=[None, "0.5", True, np.bool_(False), 1j, np.array([0.5, 0.6])],
     params=bad_params(_model()))
case("early_stopping.restore_best_params", lambda: {"state": _es_valid()["state"]},
     state=[*_es_bad_states(), _es_fresh()])
case("early_stopping.gd_shrinkage", lambda: {"curvatures": [0.1, 1.0], "lr": 0.5, "steps": 10},
     curvatures=[*BAD_CURVATURES_ES, [1.0, 3.0]], lr=bad_numbers(0.0, -0.1, 1.0),
     steps=bad_ints(-1))
case("early_stopping.l2_shrinkage", lambda: {"curvatures": [0.1, 1.0], "alpha": 0.5},
     curvatures=BAD_CURVATURES_ES, alpha=bad_numbers(-0.5))

# residual
def _res_block(dtype=np.float64):
    rng = _rng()
    return {"W1": rng.normal(size=(4, 3)).astype(dtype), "b1": rng.normal(size=4).astype(dtype),
            "W2": rng.normal(size=(3, 4)).astype(dtype), "b2": rng.normal(size=3).astype(dtype)}


X_RES = np.random.default_rng(9).normal(size=(5, 3))


def _bad_res_params():
    p = _res_block()
    return [*bad_params(p), {k: v for k, v in p.items() if k != "b2"}, {**p, "W3": p["W2"]},
            {**p, "W1": p["W1"][:, :2]}, {**p, "b1": np.ones(5)}, {**p, "W2": p["W2"].T},
            {**p, "b2": p["b2"].astype(np.float32)}, {**p, "W1": p["W1"][None]}]


def _res_backward_valid():
    from snippets.residual import residual_forward

    _, cache = residual_forward(X_RES.copy(), _res_block(), normalize=True)
    return {"dy": np.random.default_rng(10).normal(size=X_RES.shape), "cache": cache}


def _bad_res_caches():
    cache = _res_backward_valid()["cache"]
    return [None, [], {}, *({k: v for k, v in cache.items() if k != key} for key in cache),
            {**cache, "z1": _with(cache["z1"], np.nan)}, {**cache, "a1": cache["a1"][:, :2]},
            {**cache, "u": cache["u"][:, :2]}, {**cache, "skip": "yes"}, {**cache, "x_hat": None},
            {**cache, "inv_std": cache["inv_std"][:2]}, {**cache, "params": {}}]


case("residual.residual_forward",
     lambda: {"x": X_RES.copy(), "params": _res_block(), "skip": True, "normalize": True,
              "eps": 1e-5},
     x=[*bad_arrays(X_RES), X_RES[0], X_RES[:, :2], X_RES.astype(np.float32)],
     params=_bad_res_params(), skip=BAD_BOOLS, normalize=BAD_BOOLS, eps=bad_numbers(0.0, -1e-5))
case("residual.residual_backward", _res_backward_valid,
     dy=[*bad_arrays(X_RES), X_RES[:, :2], X_RES.T], cache=_bad_res_caches())

# tuning
TUNE_SPACE = {"lr": ("log_uniform", 1e-4, 1e-1), "p": ("uniform", 0.0, 0.5), "w": ("choice", (8, 16))}
BAD_SPACES = [None, [], {}, "lr", {1: ("uniform", 0.0, 1.0)}, {"lr": ["uniform", 0.0, 1.0]},
              {"lr": ("uniform", 0.0)}, {"lr": ("normal", 0.0, 1.0)}, {"lr": ("uniform", 1.0, 0.0)},
              {"lr": ("log_uniform", 0.0, 1.0)}, {"lr": ("log_uniform", -1.0, 1.0)},
              {"lr": ("uniform", 0.0, np.nan)}, {"lr": ("uniform", "0", 1.0)}, {"lr": ("choice", ())},
              {"lr": ("choice", 3)}, {"lr": ()}, {"lr": (3, 0.0, 1.0)}]
TUNE_CONFIGS = [{"lr": 1e-3, "p": 0.1, "w": 8}, {"lr": 1e-2, "p": 0.2, "w": 16},
                {"lr": 3e-2, "p": 0.3, "w": 8}]
BAD_CONFIGS = [None, [], {}, "abc", [1, 2], ({"lr": 1.0}, "x")]
BAD_OBJECTIVES = [*BAD_CALLABLES, lambda c, b: np.nan, lambda c, b: "abc", lambda c, b: None,
                  lambda c, b: np.ones(2), lambda c, b: -np.inf, lambda c, b: True]


def _tune_objective(config, budget):
    return (np.log10(config["lr"]) + 2) ** 2 + config["p"] + 1 / budget


case("tuning.sample_configs", lambda: {"space": dict(TUNE_SPACE), "n": 4, "rng": _rng()},
     space=BAD_SPACES, n=bad_ints(0, -1), rng=BAD_RNGS)
case("tuning.grid_configs", lambda: {"space": dict(TUNE_SPACE), "points": 3},
     space=BAD_SPACES, points=bad_ints(0, -1))
case("tuning.run_search",
     lambda: {"objective": _tune_objective, "configs": list(TUNE_CONFIGS), "budget": 2},
     objective=BAD_OBJECTIVES, configs=BAD_CONFIGS, budget=bad_ints(0, -1))
case("tuning.narrow_space",
     lambda: {"space": dict(TUNE_SPACE), "center": dict(TUNE_CONFIGS[0]), "factor": 3.0},
     space=BAD_SPACES, factor=bad_numbers(1.0, 0.5, -2.0),
     center=[None, "abc", [1e-3, 0.1, 8], {"lr": 1e-3}, {**TUNE_CONFIGS[0], "x": 1},
             {**TUNE_CONFIGS[0], "lr": 1.0}, {**TUNE_CONFIGS[0], "p": -0.1},
             {**TUNE_CONFIGS[0], "w": 32}, {**TUNE_CONFIGS[0], "lr": "0.001"},
             {**TUNE_CONFIGS[0], "p": np.nan}])
case("tuning.successive_halving",
     lambda: {"objective": _tune_objective, "configs": list(TUNE_CONFIGS), "min_budget": 1, "eta": 2},
     objective=BAD_OBJECTIVES, configs=BAD_CONFIGS, min_budget=bad_ints(0, -1),
     eta=bad_ints(1, 0))

# transfer: freezing, a new head, discriminative learning rates
def _xfer_net(dtype=np.float64):
    rng = np.random.default_rng(31)
    return {"W1": rng.normal(size=(4, 3)).astype(dtype), "b1": rng.normal(size=4).astype(dtype),
            "W2": rng.normal(size=(2, 4)).astype(dtype), "b2": rng.normal(size=2).astype(dtype)}


def _bad_nets():
    net = _xfer_net()
    return [*bad_params(net), {k: v for k, v in net.items() if k != "b2"},
            {**net, "W3": net["W2"]}, {**net, "W2": net["W2"][:, :3]},
            {**net, "b2": net["b2"].astype(np.float32)}]


XFER_TRAINABLE = {"W1": False, "b1": False, "W2": True, "b2": True}

case("transfer.freeze", lambda: {"params": _xfer_net(), "names": ["W1", "b1"]},
     params=bad_params(_xfer_net()),
     names=[None, "W1", {"W1": True}, ["W9"], [1], ("W1", None), ["W1", "b1", "W2", "b2"]])
case("transfer.mask_gradients", lambda: {"grads": _xfer_net(), "trainable": dict(XFER_TRAINABLE)},
     grads=bad_params(_xfer_net()),
     trainable=[None, [], ["W2"], {"W1": False}, {**XFER_TRAINABLE, "W3": True},
                {**XFER_TRAINABLE, "W1": 0}, {**XFER_TRAINABLE, "W1": "no"}])
case("transfer.replace_head", lambda: {"params": _xfer_net(), "n_classes": 5, "rng": _rng()},
     params=_bad_nets(), n_classes=bad_ints(0, -1), rng=BAD_RNGS)
case("transfer.layer_learning_rates",
     lambda: {"params": _xfer_net(), "lr": 0.1, "decay": 2.6},
     params=_bad_nets(), lr=bad_numbers(0.0, -0.1), decay=bad_numbers(0.5, 0.0, -2.0))
case("transfer.discriminative_sgd_step",
     lambda: {"params": _xfer_net(), "grads": {"W2": np.ones((2, 4)), "b2": np.ones(2)},
              "lrs": {"W2": 0.1, "b2": 0.1, "W1": 0.01}},
     params=bad_params(_xfer_net()),
     grads=[*bad_params({"W2": np.ones((2, 4))}), {"W3": np.ones((2, 4))},
            {"W2": np.ones((4, 2))}, {"W2": np.ones((2, 4), np.float32)}],
     lrs=[None, [0.1, 0.1], {"W2": 0.1}, {"W2": 0.1, "b2": -0.1}, {"W2": 0.1, "b2": "0.1"},
          {"W2": 0.1, "b2": np.nan}, {"W2": 0.1, "b2": True}])
case("transfer.pretrained_share", lambda: {"steps": 50, "momentum": 0.1},
     steps=bad_ints(-1), momentum=bad_numbers(-0.1, 1.5))

# ---------------------------------------------------------------- the contract tests

def test_every_public_function_has_declared_cases():
    assert len(PUBLIC) >= 69
    missing = sorted(set(PUBLIC) - set(CASES))
    assert not missing, f"public functions without contract cases in tests/test_contract.py: {missing}"
    stale = sorted(set(CASES) - set(PUBLIC))
    assert not stale, f"contract cases for functions that no longer exist: {stale}"


@pytest.mark.parametrize("qualname", sorted(CASES))
def test_every_parameter_has_bad_values(qualname):
    parameters = set(inspect.signature(PUBLIC[qualname]).parameters)
    declared = set(CASES[qualname].bad)
    assert parameters == declared, f"{qualname}: undeclared {sorted(parameters - declared)}, " \
                                   f"unknown {sorted(declared - parameters)}"
    assert all(CASES[qualname].bad.values()), f"{qualname}: a parameter has no bad values"


def _call(qualname, kwargs):
    result = PUBLIC[qualname](**kwargs)
    if inspect.isgenerator(result):
        result = list(result)
    return result


@pytest.mark.parametrize("qualname", sorted(CASES))
def test_the_valid_call_succeeds(qualname):
    """The bad-value tests below change one argument of this call: it must work as it stands."""
    _call(qualname, CASES[qualname].valid())


def _bad_calls():
    for qualname in sorted(CASES):
        for param, values in CASES[qualname].bad.items():
            for i in range(len(values)):
                yield pytest.param(qualname, param, i, id=f"{qualname}-{param}-{i}")


@pytest.mark.parametrize("qualname, param, index", list(_bad_calls()))
def test_bad_value_is_refused_with_the_argument_named(qualname, param, index):
    kwargs = CASES[qualname].valid()
    bad = CASES[qualname].bad[param][index]
    kwargs[param] = bad
    with pytest.raises((TypeError, ValueError)) as info:
        _call(qualname, kwargs)
    assert type(info.value) in (TypeError, ValueError), f"{type(info.value).__name__}: {info.value}"
    message = str(info.value)
    # As a whole word: "XXkeep_probXX" or "my_keep_prob" do not name keep_prob (mutation testing found it).
    named = re.search(rf"(?<![A-Za-z0-9_]){re.escape(param)}(?![A-Za-z0-9_])", message)
    assert named, f"{qualname}({param}={bad!r}) raised {message!r}, not naming {param!r}"
    assert "got" in message or "must" in message, f"the message says what was expected: {message!r}"


# ---------------------------------------------------------------- one validation idiom

SHARED = ("_check_float_array", "_check_params", "_check_same_layout", "_check_number",
          "_check_int", "_check_bool", "_check_rng", "_check_choice", "_check_callable")


def _helper_sources():
    found = {}
    for path in sorted((ROOT / "snippets").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        for node in ast.parse(text).body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("_check"):
                found.setdefault(node.name, {})[path.stem] = ast.get_source_segment(text, node)
    return found


HELPERS = _helper_sources()


@pytest.mark.parametrize("helper", sorted(HELPERS))
def test_shared_helpers_are_identical(helper):
    """A helper that several modules define is the same code in all of them (copied, by design)."""
    variants = set(HELPERS[helper].values())
    assert len(variants) == 1, f"{helper} differs between {sorted(HELPERS[helper])}"


def test_the_shared_helpers_are_the_ones_in_use():
    """Each module validates through the shared helpers; no module keeps a private variant of them."""
    for helper in SHARED:
        assert helper in HELPERS, f"no module defines {helper}"
    users = {module for helper in SHARED for module in HELPERS[helper]}
    assert users == set(MODULES), f"modules not using the shared helpers: {sorted(set(MODULES) - users)}"


def test_the_fast_finiteness_check_accepts_large_finite_values():
    """The in-place steps test finiteness with one dot product, x @ x, which overflows for large finite
    entries: those must still be accepted (the exact test settles it), and NaN still refused."""
    from snippets import adam, momentum

    w = np.full(10, 1e30, np.float32)  # finite; w @ w = 1e61 overflows float32
    with np.errstate(over="ignore"):
        assert not np.isfinite(w @ w)
    grads = {"w": np.full(10, 0.5, np.float32)}
    params = {"w": w.copy()}
    _, state = adam.adam_step_inplace(params, grads, adam.init_adam_state(params), lr=0.1)
    assert state["t"] == 1 and np.all(np.isfinite(params["w"]))
    params = {"w": w.copy()}
    _, state = momentum.momentum_step_inplace(params, grads, momentum.init_momentum_state(params),
                                              lr=0.1)
    assert state["step"] == 1 and np.all(np.isfinite(params["w"]))
    params = {"w": np.array([*w[:-1], np.nan], np.float32)}
    with pytest.raises(ValueError, match=r"params\['w'\] must be finite"):
        adam.adam_step_inplace(params, grads, adam.init_adam_state({"w": w}))


@pytest.mark.parametrize("module_name", ["adam", "momentum"])
def test_the_in_place_steps_say_why_they_refuse_a_view_or_a_read_only_array(module_name):
    module = importlib.import_module(f"snippets.{module_name}")
    step = getattr(module, f"{module_name}_step_inplace")
    init = module.init_adam_state if module_name == "adam" else module.init_momentum_state
    read_only = np.ones(3)
    read_only.flags.writeable = False
    for bad in (np.ones((3, 2)).T, np.ones(6)[::2], read_only):
        params = {"w": bad}
        with pytest.raises(ValueError, match=r"^params\['w'\] must be a writeable C-contiguous "
                                             r"array to update in place$"):
            step(params, {"w": np.ones(bad.shape)}, init({"w": np.ones(bad.shape)}), lr=0.1)


@pytest.mark.parametrize("step_name", ["adam_step", "adam_step_inplace"])
def test_a_negative_second_moment_is_refused_by_both_adam_steps(step_name):
    from snippets import adam

    params = {"w": np.ones(4)}
    state = adam.init_adam_state(params)
    state["s"]["w"][2] = -1e-3  # sqrt(s_hat) would be NaN
    with pytest.raises(ValueError, match=r"^state\['s'\] must be >= 0 \(a mean of squared "
                                         r"gradients\)$"):
        getattr(adam, step_name)(params, {"w": np.ones(4)}, state)


# ---------------------------------------------------------------- property tests of shapes

FLOATS = st.sampled_from([np.float32, np.float64])
SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5)


@given(shape=SHAPES, dtype=FLOATS, seed=st.integers(0, 2**16))
def test_elementwise_activations_keep_shape_and_dtype(shape, dtype, seed):
    from snippets import activations

    z = np.random.default_rng(seed).normal(size=shape).astype(dtype)
    for name in ("sigmoid", "sigmoid_grad", "tanh", "tanh_grad", "relu", "relu_grad", "leaky_relu",
                 "leaky_relu_grad"):
        out = getattr(activations, name)(z)
        assert out.shape == z.shape and out.dtype == z.dtype, name


@given(shape=SHAPES, dtype=FLOATS, seed=st.integers(0, 2**16), data=st.data())
def test_softmax_and_its_gradient_keep_shape_along_any_axis(shape, dtype, seed, data):
    from snippets.activations import softmax, softmax_grad

    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    rng = np.random.default_rng(seed)
    z, up = rng.normal(size=shape).astype(dtype), rng.normal(size=shape).astype(dtype)
    s, g = softmax(z, axis), softmax_grad(z, up, axis)
    assert s.shape == g.shape == z.shape and s.dtype == g.dtype == dtype
    np.testing.assert_allclose(s.sum(axis=axis), 1, rtol=1e-5)


@given(n=st.integers(1, 6), sizes=st.lists(st.integers(1, 5), min_size=2, max_size=4), dtype=FLOATS)
def test_mlp_shapes_follow_the_layer_sizes(n, sizes, dtype):
    from snippets.initialization import init_params
    from snippets.mlp import mlp_backward, mlp_forward, mlp_predict

    rng = np.random.default_rng(n)
    params = init_params(sizes, "he", rng, dtype=dtype)
    X = rng.normal(size=(n, sizes[0])).astype(dtype)
    Y = np.eye(sizes[-1], dtype=dtype)[rng.integers(0, sizes[-1], n)]
    out, cache = mlp_forward(params, X, keep_prob=0.5, rng=rng)
    assert out.shape == (n, sizes[-1]) and out.dtype == dtype
    grads = mlp_backward(params, cache, Y)
    assert {k: (g.shape, g.dtype) for k, g in grads.items()} == \
        {k: (p.shape, p.dtype) for k, p in params.items()}
    assert mlp_predict(params, X).shape == (n,)


@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), dtype=FLOATS,
       decoupled=st.booleans())
def test_optimizer_steps_keep_every_shape_and_dtype(shape, dtype, decoupled):
    from snippets import adam, momentum, swa
    from snippets.gradient_descent import gd_step

    rng = np.random.default_rng(len(shape))
    params = {"a": rng.normal(size=shape).astype(dtype), "b": rng.normal(size=shape[:1]).astype(dtype)}
    grads = {k: rng.normal(size=p.shape).astype(p.dtype) for k, p in params.items()}
    layout = {k: (p.shape, p.dtype) for k, p in params.items()}
    outputs = [adam.adam_step(params, grads, adam.init_adam_state(params), decoupled=decoupled)[0],
               momentum.momentum_step(params, grads, momentum.init_momentum_state(params), lr=0.1)[0],
               gd_step(params, grads, 0.1),
               swa.swa_update(swa.init_swa_state(params), params)["averaged"],
               swa.ema_update(swa.swa_update(swa.init_swa_state(params), params), params, 0.9)["averaged"]]
    for out in outputs:
        assert {k: (v.shape, v.dtype) for k, v in out.items()} == layout


@given(n=st.integers(1, 30), batch_size=st.integers(1, 12), drop_last=st.booleans())
def test_minibatches_cover_the_data_in_the_promised_number_of_batches(n, batch_size, drop_last):
    from snippets.minibatches import iterations_per_epoch, shuffle_and_partition

    X, y = np.arange(2.0 * n).reshape(n, 2), np.arange(n)
    batches = shuffle_and_partition(X, y, batch_size, np.random.default_rng(n), drop_last=drop_last)
    assert len(batches) == iterations_per_epoch(n, batch_size, drop_last)
    assert all(xb.shape[1:] == (2,) and len(xb) == len(yb) <= batch_size for xb, yb in batches)


@given(n=st.integers(1, 6), k=st.integers(1, 5), dtype=FLOATS)
def test_loss_gradients_have_the_shape_and_dtype_of_the_logits(n, k, dtype):
    from snippets import objectives

    rng = np.random.default_rng(n * k)
    z = rng.normal(size=(n, k)).astype(dtype)
    y = (rng.random((n, k)) < 0.5).astype(dtype)
    labels = rng.integers(0, k, n)
    for grad in (objectives.mse_grad(z, y), objectives.bce_with_logits_grad(z, y),
                 objectives.softmax_cross_entropy_grad(z, labels)):
        assert grad.shape == z.shape and grad.dtype == dtype
