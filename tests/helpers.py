"""Test data shared by several test files: a tiny MLP's parameters and a batch for it."""

import numpy as np

SIZES = [4, 6, 5, 3]  # two hidden layers: the backward pass must chain through both


def make_params(rng, sizes=SIZES, dtype=np.float64):
    """Random, asymmetric weights and non-zero biases (a zero start could hide a backward bug)."""
    params = {}
    for layer in range(1, len(sizes)):
        fan_in = sizes[layer - 1]
        params[f"W{layer}"] = (rng.normal(size=(sizes[layer], fan_in)) * np.sqrt(2 / fan_in)).astype(dtype)
        params[f"b{layer}"] = rng.normal(0.1, 0.2, size=sizes[layer]).astype(dtype)
    return params


def make_data(rng, n=7, sizes=SIZES, output="softmax", dtype=np.float64):
    X = rng.normal(0.3, 1.2, size=(n, sizes[0])).astype(dtype)
    if output == "softmax":
        Y = np.eye(sizes[-1], dtype=dtype)[rng.integers(0, sizes[-1], n)]
    else:
        Y = (rng.random((n, sizes[-1])) < 0.4).astype(dtype)
    return X, Y
