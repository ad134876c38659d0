"""Shared by several test files: a tiny MLP's parameters and a batch for it, and loading a tool or a
build hook (tools/*.py, docs/hooks/*.py: scripts, not importable packages) as a module."""

import importlib.util
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

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


def load_module(relative_path, name):
    """The module in ``ROOT / relative_path``, registered as ``name`` (dataclasses look it up by name)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / relative_path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def load_figure_module(name):
    """docs/figures/<name>.py as a module (its ``from _style import ...`` needs docs/figures on the path)."""
    figures = str(ROOT / "docs" / "figures")
    sys.path.insert(0, figures)
    try:
        return load_module(f"docs/figures/{name}.py", f"{name}_figure")
    finally:
        sys.path.remove(figures)


def mkdocs_config() -> dict:
    """mkdocs.yml as plain YAML (nav, plugins, extensions), without MkDocs' own config machinery.

    ``!ENV [NAME, default]`` (site_url, repo_url) reads as its default, or None without one.
    """
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    def env(loader, node):
        if isinstance(node, yaml.ScalarNode):
            return None
        values = loader.construct_sequence(node)
        return values[-1] if len(values) > 1 else None

    Loader.add_constructor("!ENV", env)
    return yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)  # noqa: S506
