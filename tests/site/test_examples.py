"""The worked examples (docs/examples/*.py) are well-formed notebooks, listed in the nav, without PyTorch.

These tests read the notebook sources only: the strict build executes them (an example that raises, or
whose digits accuracy falls below 97%, fails the build). They also check the build hook that keys the
notebook execution cache on the snippets each example imports.
"""

from __future__ import annotations

import ast
import importlib
import re
import sys
from pathlib import Path

import jupytext
import pytest

from tests.helpers import load_module, mkdocs_config

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "docs" / "examples").glob("*.py"))
ALLOWED_IMPORTS = {"numpy", "matplotlib", "sklearn", "snippets", "IPython"}
CODE_BOX = 88  # characters of a code-cell line; the site's code box shows about 92 at 1280 px


def _notebook(path):
    return jupytext.reads(path.read_text(encoding="utf-8"), fmt="py:percent")


def _imported_modules(notebook):
    modules = set()
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                modules.add((node.module or "").split(".")[0])
    return modules


def _nav_paths(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, list):
        for item in node:
            yield from _nav_paths(item)
    elif isinstance(node, dict):
        for value in node.values():
            yield from _nav_paths(value)


def _load_hook():
    return load_module("docs/hooks/notebooks.py", "notebooks_hook")


def test_there_are_seven_worked_examples():
    assert {p.stem for p in EXAMPLES} >= {"learning-rate", "initialization", "regularization",
                                          "softmax-vs-sigmoid", "batch-norm", "digits", "fine-tuning"}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_is_jupytext_percent_format_that_round_trips(path):
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# %% [markdown]\n")
    notebook = _notebook(path)
    assert len(notebook.cells) >= 3
    assert {cell.cell_type for cell in notebook.cells} == {"markdown", "code"}
    # Writing the parsed notebook back gives the file unchanged: no cell marker was mistyped or lost.
    assert jupytext.writes(notebook, fmt="py:percent") == text


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_opens_with_an_h1_title_and_a_question(path):
    first = _notebook(path).cells[0]
    lines = first.source.splitlines()
    assert first.cell_type == "markdown"
    assert lines[0].startswith("# ") and not lines[0].startswith("## ")
    assert "**Question.**" in first.source and "?" in first.source


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_ends_with_an_answer_cell(path):
    last = _notebook(path).cells[-1]
    assert last.cell_type == "markdown"
    assert last.source.startswith("**Answer.**")


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_does_not_import_torch(path):
    modules = _imported_modules(_notebook(path))
    assert "torch" not in modules
    assert not re.search(r"^\s*(import|from)\s+torch\b", path.read_text(encoding="utf-8"), re.MULTILINE)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_imports_only_snippets_numpy_matplotlib_sklearn_and_the_stdlib(path):
    modules = _imported_modules(_notebook(path))
    assert modules - ALLOWED_IMPORTS - set(sys.stdlib_module_names) == set()
    assert "snippets" in modules


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_randomness_is_seeded_is_not_global(path):
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"default_rng\(\s*\)", text), "every generator needs a seed"
    assert not re.search(r"np\.random\.(seed|rand|randn|randint|normal|uniform|choice|permutation)\(", text)


def _code_cell_lines(path):
    """(line number in the file, line) for every line of the example's code cells."""
    text = path.read_text(encoding="utf-8")
    position = 0
    for cell in _notebook(path).cells:
        if cell.cell_type != "code":
            continue
        position = text.index(cell.source, position)  # a percent-format code cell is stored verbatim
        first = text.count("\n", 0, position) + 1
        for offset, line in enumerate(cell.source.split("\n")):
            yield first + offset, line
        position += len(cell.source)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_code_cells_fit_a_code_box(path):
    """A notebook code box on the site holds about 92 characters at 1280 px: a longer line
    does not fit. Markdown cells are prose and wrap, so only code cells are measured."""
    too_long = [f"{path.relative_to(ROOT)}:{number}: {len(line)} characters"
                for number, line in _code_cell_lines(path) if len(line) > CODE_BOX]
    assert not too_long, f"code-cell lines longer than {CODE_BOX} characters:\n" + "\n".join(too_long)


def test_every_example_is_in_the_nav_and_every_nav_example_exists():
    config = mkdocs_config()
    nav = {p for p in _nav_paths(config["nav"]) if p.startswith("examples/")}
    assert nav == {f"examples/{p.name}" for p in EXAMPLES}


def test_notebook_plugin_includes_the_examples():
    config = mkdocs_config()
    plugin = next(p["mkdocs-jupyter"] for p in config["plugins"]
                  if isinstance(p, dict) and "mkdocs-jupyter" in p)
    assert plugin["include"] == ["examples/*.py"]
    assert plugin["execute"] is True and plugin["allow_errors"] is False


def test_digits_example_asserts_97_percent_test_accuracy():
    cells = _notebook(ROOT / "docs/examples/digits.py").cells
    code = "\n".join(c.source for c in cells if c.cell_type == "code")
    assert re.search(r"^assert test_accuracy >= 0\.97\b", code, re.MULTILINE)
    assert "load_digits" in code


def test_snippet_dependencies_are_the_imported_snippet_modules():
    hook = _load_hook()
    names = [p.name for p in hook.snippet_dependencies(ROOT / "docs/examples/batch-norm.py")]
    assert names == sorted(names)
    assert {"batchnorm.py", "momentum.py", "objectives.py"} <= set(names)
    assert all((ROOT / "snippets" / name).is_file() for name in names)


def test_cache_key_changes_when_an_imported_snippet_changes_is_not_notebook_only(tmp_path, monkeypatch):
    hook = _load_hook()
    snippets = tmp_path / "snippets"
    snippets.mkdir()
    (snippets / "dropout.py").write_text("VERSION = 1\n")
    (snippets / "l2.py").write_text("VERSION = 1\n")
    notebook = tmp_path / "example.py"
    notebook.write_text("# %%\nfrom snippets.dropout import dropout_forward\n")
    monkeypatch.setattr(importlib.import_module("pipeline.notebooks"), "SNIPPETS", snippets)

    def notebook_only(nb_path, config, exec_nb):  # stands for the plugin's own key
        return Path(nb_path).read_text()

    key = hook._with_snippets(notebook_only)
    before = key(str(notebook), {}, True)
    (snippets / "l2.py").write_text("VERSION = 2\n")  # not imported: same key, the cache is reused
    assert key(str(notebook), {}, True) == before
    (snippets / "dropout.py").write_text("VERSION = 2\n")  # imported: new key, the notebook runs again
    assert key(str(notebook), {}, True) != before


def _code(stem):
    cells = _notebook(ROOT / "docs" / "examples" / f"{stem}.py").cells
    return "\n".join(c.source for c in cells if c.cell_type == "code")


def test_learning_rate_example_asserts_that_the_fastest_rate_is_eta_star():
    """M13: the answer says the fastest rate is 2 / (c_min + c_max), not the largest stable one;
    the notebook asserts it on its own sweep, so the build fails if the answer stops being true."""
    code = _code("learning-rate")
    assert "lr_star = 2 / (c.min() + c.max())" in code
    assert re.search(r"^assert abs\(best_factor_lr - lr_star\)", code, re.MULTILINE)
    assert re.search(r"^assert 0\.06 < best_loss_lr <= lr_star", code, re.MULTILINE)
    answer = _notebook(ROOT / "docs/examples/learning-rate.py").cells[-1].source
    assert "a larger learning rate converges faster" not in answer
    assert r"\eta^* = 2/(c_{\min} + c_{\max})" in answer


def test_digits_example_l2_uses_the_training_set_size():
    """M14: l2_grads gets N = len(X_std), the examples the cost averages over, not the batch."""
    code = _code("digits")
    calls = [line for line in code.splitlines() if "l2_grads(" in line]
    assert calls and all(line.rstrip().endswith(", lambd, N)") for line in calls)
    assert "N = len(X_std)" in code and "len(X_batch)" not in code


def test_digits_example_range_test_uses_the_training_optimizer():
    """M15: the peak rate comes from a sweep with momentum SGD, from the training's start."""
    code = _code("digits")
    assert "momentum_step(work, grads, state[\"momentum\"], lr=0.0" in code
    assert re.search(r"^max_lr = suggestions\[f\"momentum", code, re.MULTILINE)
    assert "params = initial" in code and "init_params(LAYERS, \"he_normal\", rng)" not in code


def test_batch_norm_example_has_no_bias_before_batch_norm(monkeypatch):
    """M16: the hidden layers with batch norm have no bias (it would never move), and the
    forward and backward passes run without one. Executes the cells up to the training."""
    monkeypatch.setenv("MPLBACKEND", "Agg")
    cells = [c.source for c in _notebook(ROOT / "docs/examples/batch-norm.py").cells
             if c.cell_type == "code"]
    namespace = {}
    for source in cells:
        if source.startswith("runs = {}"):
            break
        exec(compile(source, "batch-norm.py", "exec"), namespace)  # noqa: S102
    params, hidden = namespace["initial_bn"], namespace["HIDDEN"]
    assert not {f"b{layer}" for layer in range(1, hidden + 1)} & set(params)
    assert f"b{hidden + 1}" in params and "gamma1" in params
    X, y = namespace["X_train"][:16], namespace["y_train"][:16]
    states = [namespace["init_batchnorm"](n)[2] for n in namespace["LAYERS"][1:-1]]
    logits, cache, _ = namespace["forward"](params, X, states, training=True)
    grads = namespace["backward"](params, logits, cache, y)
    assert set(grads) == set(params)


def test_tuning_example_uses_the_digits_split_and_asserts_its_answer():
    """The tuning study selects on the same validation split as the digits example (the same
    split code, so the same images), touches the test set once, and asserts what its answer says."""
    split = re.search(r"^X, y = load_digits.*?stratify=y_dev\)\n", _code("digits"), re.S | re.M)
    assert split and split.group(0) in _code("tuning")
    code = _code("tuning")
    assert re.search(r"^assert test_accuracy >= 0\.95\b", code, re.MULTILINE)
    assert re.search(r"^assert wins >= 4 and np\.median\(random_best\) < grid_best", code, re.MULTILINE)
    assert code.count("X_test_std") == 2  # standardized once, predicted once
    assert "sample_configs(space, 16, rng)" in code and "grid_configs(space, k)" in code
    answer = _notebook(ROOT / "docs/examples/tuning.py").cells[-1].source
    assert "at least 95%" in answer and "at least four" in answer


def _split_block(code):
    """From loading the digits to the train/validation split, as written in a notebook."""
    start = code.index("X, y = load_digits(return_X_y=True)")
    end = code.index("stratify=y_dev)", start) + len("stratify=y_dev)")
    return code[start:end]


def test_cnn_example_uses_the_digits_examples_data_and_split():
    """The CNN is compared with the MLP on the same train/validation/test split: the loading and
    splitting lines are the digits notebook's, character for character."""
    block = _split_block(_code("digits"))
    assert block.count("train_test_split(") == 2 and "random_state=0" in block
    assert _split_block(_code("cnn-digits")) == block


def test_cnn_example_retrains_the_mlp_with_the_digits_recipe():
    """The MLP's accuracy is computed in the CNN notebook, not typed in, with the settings of the
    digits notebook (each setting line of digits.py is found in the baseline)."""
    digits, cnn = _code("digits"), _code("cnn-digits")
    settings = re.findall(r"^((?:LAYERS|BATCH, EPOCHS|KEEP_PROB|SWEEP|BETA_AT_PEAK) = .*"
                          r"|for lambd in .*|initial = init_params\(.*)$", digits, re.MULTILINE)
    assert len(settings) == 7, settings
    def statement(line):  # without indentation and trailing comment
        return line.split("  #")[0].strip()

    baseline = {statement(line) for line in cnn.splitlines()}
    assert [line for line in settings if statement(line) not in baseline] == []
    for seed in ("seed=2", "seed=3", "np.random.default_rng(1)"):
        assert seed in digits and seed in cnn
    assert re.search(r"^mlp_acc, .* = mlp_baseline_accuracy\(\)$", cnn, re.MULTILINE)
    assert not re.search(r"mlp_acc\s*=\s*[\d.]", cnn)


def test_cnn_example_asserts_98_5_percent_and_more_than_the_mlp():
    code = _code("cnn-digits")
    assert re.search(r"^assert test_acc >= 0\.985 and test_acc > mlp_acc\b", code, re.MULTILINE)
    assert re.search(r"^test_loss, test_acc = evaluate\(cnn, I_test, y_test\)$", code, re.MULTILINE)
    assert "restore_best_params(stopper)" in code and "conv2d_param_count(" in code
