"""What each exercise asks (pipeline/exercises.py generates the files from the snippets at build time).

An exercise names a snippet module, its page, the functions the reader implements (each with a one-line
hint), cases whose expected values are recorded from the real snippet at build time, gradient checks,
and the page's pitfalls: each a named test with a message that teaches, and the mistake it catches as a
source fragment of the snippet and its wrong replacement (the build fails if the fragment is gone).
To add an exercise: append an ``Exercise`` here; tests/test_exercises.py then proves that its checker
passes on the snippet and fails on the stub and on every planted mistake.

Calls are Python evaluated with ``m`` (the reader's module), ``np``, and the helpers ``rng(seed)``,
``x(*shape, seed=, dtype=, low=)``, ``params(seed=, dtype=)`` and ``raises(call, kind)`` of
pipeline/exercises.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Case:
    name: str
    call: str


@dataclass(frozen=True)
class Gradient:
    name: str
    message: str
    setup: str  # defines f(x) -> float, grad(x) -> array and x0


@dataclass(frozen=True)
class Pitfall:
    name: str
    message: str
    call: str
    mistake: tuple[str, str]  # (fragment of the snippet, the mistaken code planted in its place)


@dataclass(frozen=True)
class Exercise:
    module: str
    page: str
    title: str
    order: int
    concepts: str
    implement: dict[str, str]
    cases: list[Case] = field(default_factory=list)
    gradients: list[Gradient] = field(default_factory=list)
    pitfalls: list[Pitfall] = field(default_factory=list)


# A planted mistake that rewrites a whole function pair: max pooling by a mask of EVERY maximum of each
# window (the textbook version that disagrees with PyTorch on ties), defined after the snippet's own.
_MAX_POOL_BY_MASK = """

def max_pool2d_forward(x, kernel_size, stride=None, padding=0):
    x, kernel, stride, padding, out_size = _check_pool_args(x, kernel_size, stride, padding)
    windows = _windows(x, kernel, stride, padding, -np.inf)
    out = windows.max(axis=(-2, -1))
    mask = windows == out[..., None, None]  # every maximum of its window
    return out, {"mask": mask, "x_shape": x.shape, "kernel": kernel, "stride": stride,
                 "padding": padding}


def max_pool2d_backward(dout, cache):
    mask, (n, c, height, width) = cache["mask"], cache["x_shape"]
    (kh, kw), (sh, sw), (ph, pw) = cache["kernel"], cache["stride"], cache["padding"]
    h_out, w_out = mask.shape[2:4]
    dx = np.zeros((n, c, height + 2 * ph, width + 2 * pw), dout.dtype)
    for i in range(kh):
        for j in range(kw):
            dx[:, :, i: i + sh * (h_out - 1) + 1: sh,
               j: j + sw * (w_out - 1) + 1: sw] += mask[..., i, j] * dout
    return np.ascontiguousarray(dx[:, :, ph: ph + height, pw: pw + width])
"""


# A residual block's input (6, 4) and parameters (4 -> 5 -> 4), in float64, and in float32 on a grid of
# quarters (every product and sum is then exact, whatever order a reader's code adds in).
_BLOCK_X = "x(6, 4, dtype='float64')"
_BLOCK = ("{'W1': x(5, 4, seed=2, dtype='float64'), 'b1': x(5, seed=3, dtype='float64'), "
          "'W2': x(4, 5, seed=4, dtype='float64'), 'b2': x(4, seed=5, dtype='float64')}")
_BLOCK_X32 = "np.round(x(6, 4) * 4) / 4"
_BLOCK32 = ("{'W1': np.round(x(5, 4, seed=2) * 4) / 4, 'b1': np.round(x(5, seed=3) * 4) / 4, "
            "'W2': np.round(x(4, 5, seed=4) * 4) / 4, 'b2': np.round(x(4, seed=5) * 4) / 4}")


def _early_stopping_run(values: str, init: str = "m.init_early_stopping(2)", then: str = "") -> str:
    """A call that feeds the metrics ``values`` (Python source of a tuple) to update_early_stopping, one
    epoch each with params(seed=epoch), and gives (best, wait, stopped) after every epoch, or, with
    ``then``, that expression of the last state ``s``."""
    run = (f"[((s := m.update_early_stopping(s, v, params(seed=i))[0])['best'], s['wait'], s['stopped']) "
           f"for i, v in enumerate({values})]")
    return f"[(s := {init})] and {run}" + (f" and {then}" if then else "")

# A search space, nine configurations of it and an objective (lower is better) for the tuning exercise.
_SPACE = ("{'lr': ('log_uniform', 1e-5, 1e-1), 'dropout': ('uniform', 0.0, 0.5), "
          "'width': ('choice', (64, 128, 256))}")
_CONFIGS = ("[{'lr': 10.0 ** -e, 'dropout': d, 'width': w} for e, d, w in zip((1, 2, 3, 4, 2.5, 3.5, 1.5, "
            "4.5, 2.2), (0.1, 0.3, 0.0, 0.2, 0.4, 0.1, 0.25, 0.05, 0.15), (64, 128, 256) * 3)]")
_OBJECTIVE = "lambda c, b: (np.log10(c['lr']) + 2.5) ** 2 + c['dropout'] * 4 / b + 64 / c['width'] / b"


EXERCISES = [
    Exercise(
        module="objectives", page="foundations/objectives.md", title="Objective functions", order=1,
        concepts="log-sum-exp stability, softmax vs sigmoid losses, their gradients",
        implement={
            "_log_softmax": "subtract each row's max, then z - log(sum(exp(z))) per row",
            "softmax_cross_entropy": "_check_cross_entropy gives z, targets q, weights w and the divisor; "
                                 "the loss of a row is -sum(w * q * log_softmax(z))",
            "softmax_cross_entropy_grad": "(softmax(z) * sum(w * q) - w * q) / divisor; "
                                      "(softmax(z) - one_hot) / N without options",
            "bce_with_logits": "-log sigmoid(z) = max(-z, 0) + log1p(exp(-|z|)); "
                           "the loss is w * ((1 - y) z + (p y + 1 - y) (-log sigmoid(z)))",
        },
        cases=[
            Case("softmax_cross_entropy", "m.softmax_cross_entropy(x(5, 4), np.array([0, 3, 1, 1, 2]))"),
            Case("softmax_cross_entropy_sum",
                 "m.softmax_cross_entropy(x(5, 4), np.array([0, 3, 1, 1, 2]), reduction='sum')"),
            Case("softmax_cross_entropy_grad",
                 "m.softmax_cross_entropy_grad(x(5, 4), np.array([0, 3, 1, 1, 2]))"),
            Case("bce_with_logits", "m.bce_with_logits(x(4, 3), (x(4, 3, seed=5) > 0).astype('float32'))"),
        ],
        gradients=[Gradient(
            "softmax_cross_entropy_grad_matches_finite_differences",
            "softmax_cross_entropy_grad is not the gradient of softmax_cross_entropy",
            "labels = np.array([0, 3, 1])\n"
            "f = lambda z: m.softmax_cross_entropy(z, labels)\n"
            "grad = lambda z: m.softmax_cross_entropy_grad(z, labels)\n"
            "x0 = x(3, 4, dtype='float64')")],
        pitfalls=[
            Pitfall("log_softmax_does_not_overflow",
                    "your softmax overflows on large logits: subtract each row's max before exp",
                    "m.softmax_cross_entropy(np.array([[1000.0, 0.0, -5.0]]), np.array([0]))",
                    ("    shifted = z - z.max(axis=1, keepdims=True)\n", "    shifted = z\n")),
            Pitfall("cross_entropy_has_the_minus_sign",
                    "your cross-entropy is negative: the loss is MINUS the log-probability of the label",
                    "m.softmax_cross_entropy(x(5, 4), np.array([0, 3, 1, 1, 2]))",
                    ("    per_example = -np.sum(w * q * _log_softmax(z), axis=1)",
                     "    per_example = np.sum(w * q * _log_softmax(z), axis=1)")),
            Pitfall("bce_is_stable_for_very_negative_logits",
                    "your BCE computes log(sigmoid(z)), which underflows to log(0) for z << 0: use "
                    "max(-z, 0) + log1p(exp(-|z|)) for -log sigmoid(z)",
                    "m.bce_with_logits(np.array([-800.0, 3.0]), np.array([1.0, 0.0]))",
                    ("    softplus_neg = np.maximum(-z, 0) + np.log1p(np.exp(-np.abs(z)))",
                     "    softplus_neg = -np.log(1 / (1 + np.exp(-z)))")),
        ],
    ),
    Exercise(
        module="dropout", page="regularization/dropout.md", title="Dropout", order=5,
        concepts="inverted dropout, keep vs drop probability, masks in the backward pass",
        implement={
            "dropout_forward": "mask = rng.random(a.shape) < keep_prob; return a * mask / keep_prob "
                               "and the mask",
            "dropout_backward": "the gradient flows only through kept units, scaled like the forward pass",
        },
        cases=[
            Case("forward_float32", "m.dropout_forward(x(6, 5), 0.8, rng())"),
            Case("forward_float64", "m.dropout_forward(x(6, 5, dtype='float64'), 0.5, rng(3))"),
            Case("forward_at_test_time_is_the_identity", "m.dropout_forward(x(6, 5), 0.5, rng(), False)"),
            Case("backward", "m.dropout_backward(x(6, 5, seed=4), x(6, 5) > 0, 0.8)"),
        ],
        gradients=[Gradient(
            "backward_matches_finite_differences",
            "dropout_backward is not the gradient of dropout_forward with the same mask",
            "w = x(4, 3, seed=7, dtype='float64')\n"
            "f = lambda a: float(np.sum(w * m.dropout_forward(a, 0.6, rng(5))[0]))\n"
            "grad = lambda a: m.dropout_backward(w, m.dropout_forward(a, 0.6, rng(5))[1], 0.6)\n"
            "x0 = x(4, 3, dtype='float64')")],
        pitfalls=[
            Pitfall("dropout_scales_by_one_over_keep",
                    "your dropout does not scale by 1/keep_prob: the expected activation must not change, "
                    "so divide the kept units by keep_prob (inverted dropout)",
                    "m.dropout_forward(x(6, 5), 0.8, rng())",
                    ("    return a * mask / a.dtype.type(keep_prob), mask", "    return a * mask, mask")),
            Pitfall("mask_keeps_with_probability_keep_prob",
                    "your mask drops with probability keep_prob: keep_prob is the probability of KEEPING a "
                    "unit (PyTorch's p is the drop probability)",
                    "m.dropout_forward(x(6, 5), 0.8, rng())[1]",
                    ("                                     else np.float32) < keep_prob",
                     "                                     else np.float32) < 1 - keep_prob")),
            Pitfall("mask_comes_from_uniform_numbers",
                    "your mask compares normal numbers with keep_prob: use uniform ones, rng.random",
                    "m.dropout_forward(x(6, 5), 0.8, rng())[1]",
                    ("    mask = rng.random(a.shape, dtype=",
                     "    mask = rng.standard_normal(a.shape, dtype=")),
            Pitfall("backward_uses_the_forward_mask",
                    "your backward pass ignores the mask: units dropped in the forward pass get no gradient",
                    "m.dropout_backward(x(6, 5, seed=4), x(6, 5) > 0, 0.8)",
                    ("    return da * mask / da.dtype.type(keep_prob)",
                     "    return da / da.dtype.type(keep_prob)")),
        ],
    ),
    Exercise(
        module="l2", page="regularization/l2.md", title="L2 regularization", order=4,
        concepts="the L2 cost and its gradient, lambda/(2m) vs lambda/m, biases not decayed",
        implement={
            "l2_cost": "lambd / (2 m) times the sum of the squared weights (keys starting with 'W')",
            "l2_grads": "add lambd / m * W to each weight's gradient; copy the biases' gradients",
        },
        cases=[
            Case("cost", "m.l2_cost(params(), 0.7, 5)"),
            Case("grads", "m.l2_grads(params(), params(seed=9), 0.7, 5)"),
            Case("cost_float64", "m.l2_cost(params(dtype='float64'), 0.1, 3)"),
        ],
        gradients=[Gradient(
            "grads_match_finite_differences_of_the_cost",
            "l2_grads does not add the gradient of l2_cost",
            "p = params(dtype='float64')\n"
            "zero = {k: np.zeros_like(v) for k, v in p.items()}\n"
            "f = lambda W: m.l2_cost({**p, 'W1': W}, 0.7, 5)\n"
            "grad = lambda W: m.l2_grads({**p, 'W1': W}, zero, 0.7, 5)['W1']\n"
            "x0 = p['W1']")],
        pitfalls=[
            Pitfall("cost_divides_by_two_m",
                    "your L2 cost is not lambda/(2m) times the sum of squares: the 1/2 makes the gradient "
                    "lambda/m W",
                    "m.l2_cost(params(), 0.7, 5)",
                    ("    return dtype.type(lambd / (2 * m)) * squares",
                     "    return dtype.type(lambd / m) * squares")),
            Pitfall("gradient_is_lambda_over_m",
                    "your L2 gradient is not lambda/m * W: the square's 2 cancels the cost's 1/2",
                    "m.l2_grads(params(), params(seed=9), 0.7, 5)",
                    ("            out[key] = g + g.dtype.type(lambd / m) * params[key]",
                     "            out[key] = g + g.dtype.type(lambd / (2 * m)) * params[key]")),
            Pitfall("biases_are_not_decayed",
                    "your L2 decays the biases too: only the weights (keys W...) are regularized",
                    "m.l2_grads(params(), params(seed=9), 0.7, 5)",
                    ("            out[key] = g.copy()",
                     "            out[key] = g + g.dtype.type(lambd / m) * params[key]")),
        ],
    ),
    Exercise(
        module="momentum", page="optimization/momentum.md", title="Momentum", order=6,
        concepts="velocity as state, PyTorch's form vs the moving average, the first step",
        implement={
            "init_momentum_state": "step 0 and a zero velocity like each parameter",
            "momentum_step": "v = beta v + (1 - dampening) g (v = g on the first step); w -= lr v",
        },
        cases=[
            Case("init", "m.init_momentum_state(params())"),
            Case("second_step", "m.momentum_step(params(), params(seed=9), m.momentum_step(params(), "
                 "params(seed=9), m.init_momentum_state(params()), lr=0.1)[1], lr=0.1)"),
            Case("ema_form", "m.momentum_step(params(), params(seed=9), m.init_momentum_state(params()), "
                 "lr=0.1, beta=0.8, form='ema')"),
            Case("nesterov", "m.momentum_step(params(), params(seed=9), {'step': 1, 'velocity': "
                 "params(seed=13)}, lr=0.1, nesterov=True)"),
        ],
        pitfalls=[
            Pitfall("first_step_takes_the_raw_gradient",
                    "your first step does not take the raw gradient: PyTorch sets v = g on step 0, "
                    "dampening or not",
                    "m.momentum_step(params(), params(seed=9), m.init_momentum_state(params()), lr=0.1, "
                    "dampening=0.5)",
                    ("            v = g.copy()", "            v = beta * v + (1 - dampening) * g")),
            Pitfall("velocity_accumulates_beta_v_plus_g",
                    "your velocity is not beta v + g (PyTorch's form): do not mix in the EMA's (1 - beta)",
                    "m.momentum_step(params(), params(seed=9), {'step': 1, 'velocity': params(seed=13)}, "
                    "lr=0.1)",
                    ("            v = beta * v + (1 - dampening) * g",
                     "            v = beta * v + (1 - beta) * g")),
            Pitfall("learning_rate_is_outside_the_velocity",
                    "your step puts the learning rate inside the velocity (Keras' form): here w -= lr v",
                    "m.momentum_step(params(), params(seed=9), {'step': 1, 'velocity': params(seed=13)}, "
                    "lr=0.1)[1]",
                    ("        new_velocity[name] = v", "        new_velocity[name] = lr * v")),
        ],
    ),
    Exercise(
        module="schedules", page="learning-rate/schedules.md", title="Learning-rate schedules", order=8,
        concepts="schedules as pure functions of the step, SGDR restarts, 1cycle's phases",
        implement={
            "step_decay": "lr0 * drop ** (step // every)",
            "sgdr": "cosine from lr_max to eta_min within each period; periods grow by T_mult",
            "_anneal": "cosine or linear interpolation from start (pct 0) to end (pct 1)",
        },
        cases=[
            Case("step_decay", "[m.step_decay(s, lr0=0.1, drop=0.5, every=3) for s in range(10)]"),
            Case("sgdr", "[m.sgdr(s, lr_max=0.1, T_0=4, T_mult=2, eta_min=0.001) for s in range(30)]"),
            Case("one_cycle", "[m.one_cycle(s, total_steps=20, max_lr=0.1) for s in range(20)]"),
            Case("one_cycle_linear", "[m.one_cycle(s, total_steps=20, max_lr=0.1, anneal='linear', "
                 "three_phase=True) for s in range(20)]"),
        ],
        pitfalls=[
            Pitfall("step_decay_drops_every_every_steps",
                    "your step decay drops at every step: the exponent is step // every, an integer",
                    "[m.step_decay(s, lr0=0.1, drop=0.5, every=3) for s in range(10)]",
                    ("    return lr0 * drop ** (step // every)", "    return lr0 * drop ** (step / every)")),
            Pitfall("sgdr_restarts_at_lr_max",
                    "your SGDR does not restart at lr_max when a period ends: count T_cur from the restart",
                    "[m.sgdr(s, lr_max=0.1, T_0=4, T_mult=2, eta_min=0.001) for s in range(30)]",
                    ("            t_cur -= t_i\n", "            t_cur -= 1\n")),
            Pitfall("cosine_anneal_goes_from_start_to_end",
                    "your cosine annealing runs backwards: at pct 0 it must give start, at pct 1 end",
                    "[m.one_cycle(s, total_steps=20, max_lr=0.1) for s in range(20)]",
                    ("        return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)",
                     "        return start + (end - start) / 2.0 * (math.cos(math.pi * pct) + 1)")),
        ],
    ),
    Exercise(
        module="initialization", page="initialization/weight-init.md", title="Weight initialization",
        order=2, concepts="fan-in and fan-out, Xavier vs He scaling, the (n_out, n_in) layout",
        implement={
            "xavier_normal": "rng.standard_normal((fan_out, fan_in)) * gain * sqrt(2 / (fan_in + fan_out))",
            "he_normal": "rng.standard_normal((fan_out, fan_in)) * gain / sqrt(fan); "
                         "fan = _he_fan(shape, mode), gain = sqrt(2) for ReLU",
        },
        cases=[
            Case("xavier_normal", "m.xavier_normal((5, 3), rng(), dtype=np.float32)"),
            Case("he_normal", "m.he_normal((5, 3), rng(), dtype=np.float32)"),
            Case("he_normal_float64", "m.he_normal((4, 6), rng(7))"),
        ],
        pitfalls=[
            Pitfall("he_scales_by_fan_in",
                    "your He initialization scales by the fan-out: He et al. use sqrt(2 / fan_in), the "
                    "inputs each unit sums over",
                    "m.he_normal((5, 3), rng(), dtype=np.float32)",
                    ("    std = gain / math.sqrt(fan)\n",
                     "    std = gain / math.sqrt(fan_in_and_fan_out(shape)[1])\n")),
            Pitfall("xavier_averages_fan_in_and_fan_out",
                    "your Xavier initialization is not sqrt(2 / (fan_in + fan_out)): Glorot and Bengio "
                    "average the two fans",
                    "m.xavier_normal((5, 3), rng(), dtype=np.float32)",
                    ("    std = gain * math.sqrt(2.0 / (fan_in + fan_out))\n    return rng.standard_normal",
                     "    std = gain * math.sqrt(1.0 / fan_in)\n    return rng.standard_normal")),
            Pitfall("weights_are_n_out_by_n_in",
                    "your weight matrix is (n_in, n_out): here W is (n_out, n_in), as in torch.nn.Linear",
                    "m.xavier_normal((5, 3), rng(), dtype=np.float32)",
                    ("    return rng.standard_normal((fan_out, fan_in), dtype=dtype) * dtype.type(std)\n\n\n"
                     "def xavier_uniform",
                     "    return rng.standard_normal((fan_in, fan_out), dtype=dtype) * dtype.type(std)\n\n\n"
                     "def xavier_uniform")),
        ],
    ),
    Exercise(
        module="adam", page="optimization/adam.md", title="Adam and AdamW", order=7,
        concepts="two moment estimates, bias correction, eps placement, decoupled weight decay",
        implement={
            "init_adam_state": "t = 0 and zero first and second moments like each parameter",
            "adam_step": "m, s: moving averages of g and g*g; bias-correct each; "
                         "w -= lr m_hat / (sqrt(s_hat) + eps)",
        },
        cases=[
            Case("init", "m.init_adam_state(params())"),
            Case("first_step", "m.adam_step(params(), params(seed=9), m.init_adam_state(params()), lr=0.01)"),
            Case("third_step", "m.adam_step(params(), params(seed=9), {'t': 2, 'm': params(seed=13), "
                 "'s': {k: v * v for k, v in params(seed=17).items()}}, lr=0.01)"),
            Case("adamw", "m.adam_step(params(), params(seed=9), m.init_adam_state(params()), lr=0.01, "
                 "weight_decay=0.1, decoupled=True)"),
        ],
        pitfalls=[
            Pitfall("bias_correction_pairs_beta1_with_m",
                    "your Adam applies bias correction to the wrong moment: m_hat = m / (1 - beta1^t), "
                    "s_hat = s / (1 - beta2^t)",
                    "m.adam_step(params(), params(seed=9), {'t': 2, 'm': params(seed=13), "
                    "'s': {k: v * v for k, v in params(seed=17).items()}}, lr=0.01)",
                    ("        m_hat = m / c(1.0 - beta1**t)", "        m_hat = m / c(1.0 - beta2**t)")),
            Pitfall("eps_is_outside_the_square_root",
                    "your Adam puts eps inside the square root: the paper and PyTorch divide by "
                    "sqrt(s_hat) + eps",
                    "m.adam_step({'W': np.float32([1.0, 2.0])}, {'W': np.float32([1e-4, -1e-3])}, "
                    "m.init_adam_state({'W': np.float32([1.0, 2.0])}), lr=0.1, eps=1e-3)",
                    ("m_hat / (np.sqrt(s_hat) + c(eps))", "m_hat / np.sqrt(s_hat + c(eps))")),
            Pitfall("adamw_decays_the_weights_not_the_gradient",
                    "your AdamW adds the decay to the gradient (that is Adam + L2): AdamW shrinks the "
                    "weights directly, w *= 1 - lr * weight_decay",
                    "m.adam_step(params(), params(seed=9), m.init_adam_state(params()), lr=0.01, "
                    "weight_decay=0.1, decoupled=True)",
                    ("            p = p * c(1.0 - lr * weight_decay)  # AdamW: shrink the weights directly",
                     "            g = g + c(weight_decay) * p")),
        ],
    ),
    Exercise(
        module="gradient_check", page="debugging/gradient-checking.md", title="Gradient checking", order=3,
        concepts="centred differences, the relative error, checking in float64",
        implement={
            "numerical_gradient": "for each entry: (J(theta + eps e_i) - J(theta - eps e_i)) / (2 eps), "
                                  "then put it back",
            "relative_error": "|grad - grad_num| / (|grad| + |grad_num|), 0 when both are 0",
        },
        cases=[
            Case("numerical_gradient", "m.numerical_gradient(lambda p: float(np.sum(np.sin(p['W1'])) + "
                 "np.sum(p['W2'] ** 3) + np.sum(p['b1'] * p['b2'][0])), params(dtype='float64'))"),
            Case("relative_error", "m.relative_error(x(3, 4, dtype='float64'), x(3, 4, seed=2, "
                 "dtype='float64'))"),
            Case("gradient_check", "m.gradient_check(lambda p: float(np.sum(p['W1'] ** 2)), "
                 "params(dtype='float64'), {k: 2 * v if k == 'W1' else 0 * v for k, v in "
                 "params(dtype='float64').items()})[1]"),
        ],
        pitfalls=[
            Pitfall("difference_is_centred_over_two_eps",
                    "your numerical gradient divides by eps: the centred difference spans 2 eps",
                    "m.numerical_gradient(lambda p: float(np.sum(np.sin(p['W1'])) + np.sum(p['W2'] ** 3) + "
                    "np.sum(p['b1'] * p['b2'][0])), params(dtype='float64'))",
                    ("        grad[i] = (loss_plus - loss_minus) / (2 * eps)",
                     "        grad[i] = (loss_plus - loss_minus) / eps")),
            Pitfall("float32_is_refused",
                    "your numerical gradient accepts float32 parameters: rounding the loss to float32 "
                    "(about 1e-7) and dividing by 2 eps swamps the true difference; raise a TypeError",
                    "raises(lambda: m.numerical_gradient(lambda p: float(np.sum(p['W1'])), params()), "
                    "TypeError)",
                    ('    _check_one_dtype(params, "params", float64=True)\n    _check_callable',
                     "    _check_callable")),
            Pitfall("relative_error_is_normalized",
                    "your relative error is not divided by |grad| + |grad_num|: an absolute error "
                    "depends on the gradient's scale",
                    "m.relative_error(x(3, 4, dtype='float64'), x(3, 4, seed=2, dtype='float64'))",
                    ("    return float(np.linalg.norm(grad - grad_num) / denominator)",
                     "    return float(np.linalg.norm(grad - grad_num))")),
        ],
    ),
    Exercise(
        module="batchnorm", page="normalization/batch-norm.md", title="Batch normalization", order=9,
        concepts="batch statistics vs running statistics, biased and unbiased variance, the backward "
                 "pass through the batch mean and variance",
        implement={
            "batchnorm_forward": "training: normalize with the batch mean and biased variance, update the "
                                 "running stats (weight 1/k if momentum is None) and count the batch in "
                                 "num_batches_tracked; eval: use them",
            "batchnorm_backward": "dx = gamma inv_std / N (N dout - sum(dout) - x_hat sum(dout x_hat))",
        },
        cases=[
            Case("forward_training", "m.batchnorm_forward(x(6, 3), *m.init_batchnorm(3, np.float32))"),
            Case("forward_eval", "m.batchnorm_forward(x(6, 3), x(3, seed=4), x(3, seed=5), "
                 "{'running_mean': x(3, seed=6), 'running_var': x(3, seed=7, low=0.5)}, training=False)"),
            Case("backward", "m.batchnorm_backward(x(6, 3, seed=8), m.batchnorm_forward(x(6, 3), x(3, "
                 "seed=4), x(3, seed=5), m.init_batchnorm(3, np.float32)[2])[1])"),
        ],
        gradients=[Gradient(
            "backward_matches_finite_differences",
            "batchnorm_backward is not the gradient of batchnorm_forward in training mode",
            "w = x(5, 3, seed=9, dtype='float64')\n"
            "gamma, beta, state = m.init_batchnorm(3)\n"
            "gamma = gamma + 0.5\n"
            "f = lambda a: float(np.sum(w * m.batchnorm_forward(a, gamma, beta, state)[0]))\n"
            "grad = lambda a: m.batchnorm_backward(w, m.batchnorm_forward(a, gamma, beta, state)[1])[0]\n"
            "x0 = x(5, 3, dtype='float64')")],
        pitfalls=[
            Pitfall("normalizes_with_the_biased_variance",
                    "your batch norm normalizes with the unbiased variance: divide by N, as the paper "
                    "and PyTorch do (N - 1 is for the running average only)",
                    "m.batchnorm_forward(x(6, 3), *m.init_batchnorm(3, np.float32))[0]",
                    ("        var = x.var(axis=0)  # biased",
                     "        var = x.var(axis=0, ddof=1)  # biased")),
            Pitfall("running_variance_is_unbiased",
                    "your running variance averages the biased batch variance: PyTorch keeps the "
                    "unbiased one, var * N / (N - 1)",
                    "m.batchnorm_forward(x(6, 3), *m.init_batchnorm(3, np.float32))[2]",
                    ("        unbiased_var = var * dt(n / (n - 1))", "        unbiased_var = var")),
            Pitfall("backward_goes_through_the_batch_statistics",
                    "your backward pass treats the batch mean and variance as constants: in training "
                    "they depend on x, and dx must subtract their share",
                    "m.batchnorm_backward(x(6, 3, seed=8), m.batchnorm_forward(x(6, 3), x(3, seed=4), "
                    "x(3, seed=5), m.init_batchnorm(3, np.float32)[2])[1])[0]",
                    ("(gamma * inv_std / n) * (n * dout - dbeta - x_hat * dgamma)",
                     "dout * (gamma * inv_std)")),
        ],
    ),
    Exercise(
        module="clipping", page="optimization/gradient-clipping.md", title="Gradient clipping", order=12,
        concepts="the global norm over all arrays, one factor for every gradient, norms as the step's "
                 "length, refusing NaN and inf",
        implement={
            "_vector_norm": "p = inf: the largest |x|; p = 2: sqrt(sum(x * x)); else (sum |x|^p)^(1/p)",
            "global_grad_norm": "the norm_type-norm of each array flattened, then the same norm of "
                                "those norms",
            "clip_grad_norm": "check the arguments (_check_grad_arrays, _check_number, _check_bool); "
                              "total = global_grad_norm; raise on a non-finite total unless told not to; "
                              "factor = min(max_norm / (total + 1e-6), 1) times every array",
            "clip_grad_value": "check the arguments as clip_grad_norm does; raise on NaN; np.clip every "
                               "array to [-clip_value, clip_value]",
        },
        cases=[
            Case("global_norm", "m.global_grad_norm(params())"),
            Case("global_norm_float64_p1", "m.global_grad_norm(params(dtype='float64'), norm_type=1.0)"),
            Case("global_norm_inf", "m.global_grad_norm(params(), norm_type=np.inf)"),
            Case("clip_norm", "m.clip_grad_norm(params(), 1.5)"),
            Case("clip_norm_below_the_threshold_keeps_the_gradients", "m.clip_grad_norm(params(), 100.0)"),
            Case("clip_norm_p3_float64", "m.clip_grad_norm(params(dtype='float64'), 0.5, norm_type=3.0)"),
            Case("without_the_error_a_nan_norm_makes_every_gradient_nan",
                 "{k: np.isnan(g) for k, g in m.clip_grad_norm({'W': np.float32([np.nan, 1.0]), "
                 "'b': np.float32([2.0])}, 1.0, error_if_nonfinite=False)[0].items()}"),
            Case("without_the_error_an_inf_norm_zeroes_the_finite_gradients",
                 "m.clip_grad_norm({'W': np.float32([np.inf, 1.0]), 'b': np.float32([2.0])}, 1.0, "
                 "error_if_nonfinite=False)[0]['b']"),
            Case("clip_value", "m.clip_grad_value(params(), 0.5)"),
            Case("clip_value_clamps_inf",
                 "m.clip_grad_value({'W': np.float32([np.inf, -np.inf, 0.25])}, 0.5)"),
            Case("clip_value_refuses_nan",
                 "raises(lambda: m.clip_grad_value({'W': np.float32([np.nan, 1.0])}, 0.5), ValueError)"),
        ],
        pitfalls=[
            Pitfall("clipping_is_by_the_global_norm_not_per_array",
                    "your clip_grad_norm clips each array by its own norm: the arrays then get different "
                    "factors, the step turns, and the total norm can still exceed max_norm; compute ONE "
                    "factor from the global norm of all the gradients",
                    "m.clip_grad_norm(params(), 1.5)",
                    ("        return {k: g * factor for k, g in grads.items()}, total",
                     "        return {k: g * np.minimum(c(max_norm) / (global_grad_norm({k: g}, "
                     "norm_type=norm_type) + c(1e-6)), c(1.0)) for k, g in grads.items()}, total")),
            Pitfall("a_nan_or_inf_total_norm_is_refused",
                    "your clip_grad_norm scales the gradients by a NaN (or zero) factor when the total "
                    "norm is NaN or inf, which writes NaN into every weight at the next step: raise a "
                    "ValueError unless error_if_nonfinite=False",
                    "[raises(lambda: m.clip_grad_norm({'W': np.float32([np.nan, 1.0]), 'b': np.float32([2.0])"
                    "}, 1.0), ValueError), raises(lambda: m.clip_grad_norm({'W': np.float32([np.inf, 1.0])}, "
                    "1.0), ValueError)]",
                    ("    if error_if_nonfinite and not np.isfinite(total):",
                     "    if False:")),
            Pitfall("a_negative_max_norm_is_refused",
                    "your clip_grad_norm accepts max_norm <= 0: a negative factor reverses every gradient "
                    "(descent becomes ascent) and zero erases them; raise a ValueError",
                    "[raises(lambda: m.clip_grad_norm(params(), -1.0), ValueError), "
                    "raises(lambda: m.clip_grad_norm(params(), 0.0), ValueError)]",
                    ('    _check_number(max_norm, "max_norm", 0, low_open=True)\n',
                     "")),
            Pitfall("the_inf_norm_is_the_largest_entry",
                    "your inf-norm sums the absolute values (that is the 1-norm): the inf-norm is the "
                    "largest absolute entry, of each array and then of the arrays' norms",
                    "m.global_grad_norm(params(), norm_type=np.inf)",
                    ("        return np.max(np.abs(x))", "        return np.sum(np.abs(x))")),
            Pitfall("the_factor_adds_1e_6_to_the_norm",
                    "your factor is max_norm / total: PyTorch adds 1e-6 to the norm in every case, "
                    "min(max_norm / (total + 1e-6), 1), which matters for tiny norms",
                    "m.clip_grad_norm({'W': np.float64([3e-6, -4e-6])}, 1e-6)[0]['W'] * 1e6",
                    ("    factor = np.minimum(c(max_norm) / (total + c(1e-6)), c(1.0))",
                     "    factor = np.minimum(c(max_norm) / total, c(1.0))")),
        ],
    ),
    Exercise(
        module="adaptive", page="optimization/adaptive.md", title="AdaGrad and RMSprop", order=11,
        concepts="per-coordinate rates, a sum that never forgets vs a moving average, eps outside the "
                 "square root, RMSprop's momentum on the normalized step",
        implement={
            "init_adagrad_state": "t = 0 and s filled with initial_accumulator_value like each parameter",
            "adagrad_step": "g += weight_decay p; s += g * g; w -= lr / (1 + (t - 1) lr_decay) * g / "
                            "(sqrt(s) + eps), t counted from 1",
            "init_rmsprop_state": "t = 0 and zero s, m and v like each parameter",
            "rmsprop_step": "s = alpha s + (1 - alpha) g^2; denom = sqrt(s) + eps (sqrt(s - m^2) + eps "
                            "centered, m the average of g); v = momentum v + g / denom; w -= lr v",
        },
        cases=[
            Case("adagrad_init", "m.init_adagrad_state(params())"),
            Case("adagrad_init_with_an_initial_accumulator",
                 "m.init_adagrad_state(params(), initial_accumulator_value=0.1)"),
            Case("adagrad_first_step",
                 "m.adagrad_step(params(), params(seed=9), m.init_adagrad_state(params()), lr=0.1)"),
            Case("adagrad_fourth_step_with_decays",
                 "m.adagrad_step(params(), params(seed=9), {'t': 3, 's': {k: v * v for k, v in "
                 "params(seed=17).items()}}, lr=0.1, lr_decay=0.05, weight_decay=0.01)"),
            Case("adagrad_float64",
                 "m.adagrad_step(params(dtype='float64'), params(seed=9, dtype='float64'), "
                 "m.init_adagrad_state(params(dtype='float64'), initial_accumulator_value=0.1), lr=0.5)"),
            Case("rmsprop_init", "m.init_rmsprop_state(params())"),
            Case("rmsprop_first_step",
                 "m.rmsprop_step(params(), params(seed=9), m.init_rmsprop_state(params()), lr=0.01)"),
            Case("rmsprop_third_step",
                 "m.rmsprop_step(params(), params(seed=9), {'t': 2, 's': {k: v * v + 1 for k, v in "
                 "params(seed=17).items()}, 'm': {k: 0.1 * v for k, v in params(seed=13).items()}, "
                 "'v': params(seed=19)}, lr=0.01, alpha=0.9, weight_decay=0.01)"),
            Case("rmsprop_momentum",
                 "m.rmsprop_step(params(), params(seed=9), {'t': 2, 's': {k: v * v + 1 for k, v in "
                 "params(seed=17).items()}, 'm': {k: 0.1 * v for k, v in params(seed=13).items()}, "
                 "'v': params(seed=19)}, lr=0.01, momentum=0.9)"),
            Case("rmsprop_centered_momentum_float64",
                 "m.rmsprop_step(params(dtype='float64'), params(seed=9, dtype='float64'), {'t': 2, "
                 "'s': {k: v * v + 1 for k, v in params(seed=17, dtype='float64').items()}, 'm': {k: 0.1 * v "
                 "for k, v in params(seed=13, dtype='float64').items()}, 'v': params(seed=19, "
                 "dtype='float64')}, lr=0.01, alpha=0.9, momentum=0.5, centered=True)"),
        ],
        pitfalls=[
            Pitfall("adagrad_forgets_nothing",
                    "your AdaGrad decays its accumulator (that is RMSprop): AdaGrad's s is the plain SUM "
                    "of all squared gradients so far, s = s + g * g, and only grows",
                    "m.adagrad_step(params(), params(seed=9), {'t': 3, 's': {k: v * v for k, v in "
                    "params(seed=17).items()}}, lr=0.1)",
                    ("        s = state[\"s\"][k] + g * g ",
                     "        s = c(0.9) * state[\"s\"][k] + c(0.1) * g * g ")),
            Pitfall("rmsprop_eps_is_outside_the_square_root",
                    "your RMSprop puts eps inside the square root: PyTorch divides by sqrt(s) + eps; "
                    "with tiny gradients sqrt(s + eps) shrinks the step by orders of magnitude",
                    "m.rmsprop_step({'W': np.float64([1.0, 2.0])}, {'W': np.float64([1e-6, -1e-6])}, "
                    "m.init_rmsprop_state({'W': np.float64([1.0, 2.0])}), lr=0.1, eps=1e-6)[0]",
                    ("            denom = np.sqrt(s) + c(eps)            # the root mean square of g",
                     "            denom = np.sqrt(s + c(eps))            # the root mean square of g")),
            Pitfall("adagrad_eps_is_outside_the_square_root",
                    "your AdaGrad puts eps inside the square root: PyTorch divides by sqrt(s) + eps, so a "
                    "gradient of 1e-6 with eps = 1e-6 steps lr / 2, not about 1e-3 lr",
                    "m.adagrad_step({'W': np.float64([1.0, 2.0])}, {'W': np.float64([1e-6, -1e-6])}, "
                    "m.init_adagrad_state({'W': np.float64([1.0, 2.0])}), lr=0.1, eps=1e-6)[0]",
                    ("        new_params[k] = p - c(clr) * g / (np.sqrt(s) + c(eps))",
                     "        new_params[k] = p - c(clr) * g / np.sqrt(s + c(eps))")),
            Pitfall("rmsprop_momentum_accumulates_the_normalized_gradient",
                    "your RMSprop's momentum accumulates raw gradients and divides the velocity by "
                    "today's sqrt(s): PyTorch accumulates g / (sqrt(s) + eps), each gradient normalized "
                    "at its own step",
                    "m.rmsprop_step(params(), params(seed=9), {'t': 2, 's': {k: v * v + 1 for k, v in "
                    "params(seed=17).items()}, 'm': {k: 0.1 * v for k, v in params(seed=13).items()}, "
                    "'v': params(seed=19)}, lr=0.01, momentum=0.9)",
                    ("            v = c(momentum) * v + g / denom        # momentum on the normalized step\n"
                     "            new_params[k] = p - c(lr) * v\n",
                     "            v = c(momentum) * v + g\n"
                     "            new_params[k] = p - c(lr) * v / denom\n")),
            Pitfall("rmsprop_has_no_bias_correction",
                    "your RMSprop bias-corrects s as Adam does: RMSprop (PyTorch, Hinton) has none, so "
                    "its first step is lr / sqrt(1 - alpha), ten times lr at alpha = 0.99",
                    "m.rmsprop_step(params(), params(seed=9), m.init_rmsprop_state(params()), lr=0.01)[0]",
                    ("            denom = np.sqrt(s) + c(eps)            # the root mean square of g",
                     "            denom = np.sqrt(s / c(1 - alpha ** (state['t'] + 1))) + c(eps)")),
            Pitfall("adagrad_accumulator_starts_at_initial_accumulator_value",
                    "your AdaGrad ignores initial_accumulator_value: Keras starts s at 0.1, PyTorch at 0, "
                    "so for a gradient of 0.01 the first step is about 0.03 lr instead of lr",
                    "m.init_adagrad_state(params(), initial_accumulator_value=0.1)",
                    ("np.full_like(p, s0)", "np.zeros_like(p)")),
        ],
    ),
    Exercise(
        module="layer_norm", page="normalization/layer-norm.md", title="Layer and group normalization",
        order=10,
        concepts="per-example statistics over the trailing shape, eps inside the square root, consecutive "
                 "channel groups, the backward pass through the mean and variance",
        implement={
            "_normalize_rows": "mean and biased variance of each row (axis 1); return (x2 - mean) * inv_std "
                               "and inv_std = 1 / sqrt(var + eps)",
            "_normalize_rows_backward": "inv_std * (dx_hat - mean(dx_hat) - x_hat * mean(dx_hat * x_hat)), "
                                        "means over each row",
            "layer_norm_forward": "check the arguments; reshape x to rows of prod(normalized_shape), "
                                  "normalize them in float64, then x_hat * gamma + beta; cache x_hat, "
                                  "inv_std, gamma and ndim",
            "layer_norm_backward": "dx through _normalize_rows_backward of dout * gamma; dgamma = "
                                   "sum(dout * x_hat) and dbeta = sum(dout) over the leading axes",
            "group_norm_forward": "rows = x.reshape(N * G, -1) (a group is consecutive channels), "
                                  "normalize, then gamma and beta per channel; cache as group_norm_backward "
                                  "reads it",
        },
        cases=[
            Case("layer_norm", "m.layer_norm_forward(x(4, 5), 5, x(5, seed=4), x(5, seed=5))[0]"),
            Case("layer_norm_without_affine", "m.layer_norm_forward(x(4, 5), 5)[0]"),
            Case("layer_norm_over_two_trailing_axes_float64",
                 "m.layer_norm_forward(x(2, 3, 4, dtype='float64'), (3, 4), x(3, 4, seed=4, "
                 "dtype='float64'), x(3, 4, seed=5, dtype='float64'), eps=1e-3)[0]"),
            Case("layer_norm_backward",
                 "m.layer_norm_backward(x(4, 5, seed=8), m.layer_norm_forward(x(4, 5), 5, x(5, seed=4), "
                 "x(5, seed=5))[1])"),
            Case("layer_norm_backward_without_affine",
                 "m.layer_norm_backward(x(4, 5, seed=8), m.layer_norm_forward(x(4, 5), 5)[1])"),
            Case("group_norm", "m.group_norm_forward(x(2, 6, 3, 2), 3, x(6, seed=4), x(6, seed=5))[0]"),
            Case("group_norm_backward",
                 "m.group_norm_backward(x(2, 6, 3, 2, seed=8), m.group_norm_forward(x(2, 6, 3, 2), 3, "
                 "x(6, seed=4), x(6, seed=5))[1])"),
        ],
        gradients=[
            Gradient("layer_norm_backward_matches_finite_differences",
                     "layer_norm_backward's dx is not the gradient of layer_norm_forward",
                     "w = x(3, 4, seed=9, dtype='float64')\n"
                     "g, b = x(4, seed=4, dtype='float64'), x(4, seed=5, dtype='float64')\n"
                     "f = lambda a: float(np.sum(w * m.layer_norm_forward(a, 4, g, b)[0]))\n"
                     "grad = lambda a: m.layer_norm_backward(w, m.layer_norm_forward(a, 4, g, b)[1])[0]\n"
                     "x0 = x(3, 4, dtype='float64')"),
            Gradient("layer_norm_dgamma_matches_finite_differences",
                     "layer_norm_backward's dgamma is not the gradient of layer_norm_forward in gamma",
                     "w, a = x(3, 4, seed=9, dtype='float64'), x(3, 4, dtype='float64')\n"
                     "b = x(4, seed=5, dtype='float64')\n"
                     "f = lambda g: float(np.sum(w * m.layer_norm_forward(a, 4, g, b)[0]))\n"
                     "grad = lambda g: m.layer_norm_backward(w, m.layer_norm_forward(a, 4, g, b)[1])[1]\n"
                     "x0 = x(4, seed=4, dtype='float64')"),
            Gradient("group_norm_backward_matches_finite_differences",
                     "group_norm_backward's dx is not the gradient of your group_norm_forward",
                     "w = x(2, 4, 3, seed=9, dtype='float64')\n"
                     "g, b = x(4, seed=4, dtype='float64'), x(4, seed=5, dtype='float64')\n"
                     "f = lambda a: float(np.sum(w * m.group_norm_forward(a, 2, g, b)[0]))\n"
                     "grad = lambda a: m.group_norm_backward(w, m.group_norm_forward(a, 2, g, b)[1])[0]\n"
                     "x0 = x(2, 4, 3, dtype='float64')"),
        ],
        pitfalls=[
            Pitfall("each_example_is_normalized_over_its_own_features",
                    "your layer norm normalizes each feature over the batch (that is batch norm): layer norm "
                    "normalizes each EXAMPLE over its features, so an example's output does not depend on "
                    "the rest of the batch",
                    "m.layer_norm_forward(x(4, 5), 5)[0]",
                    ("    mean = x2.mean(axis=1, keepdims=True)\n"
                     "    var = ((x2 - mean) ** 2).mean(axis=1, keepdims=True)",
                     "    mean = x2.mean(axis=0, keepdims=True)\n"
                     "    var = ((x2 - mean) ** 2).mean(axis=0, keepdims=True)")),
            Pitfall("eps_is_inside_the_square_root",
                    "your layer norm divides by sqrt(var) + eps: PyTorch and the papers divide by "
                    "sqrt(var + eps), which differs by a factor of about 6 for x = (0, 1e-3), eps = 1e-5",
                    "m.layer_norm_forward(np.array([[0.0, 1e-3], [1.0, -2.0]]), 2)[0]",
                    ("    inv_std = 1.0 / np.sqrt(var + eps) ", "    inv_std = 1.0 / (np.sqrt(var) + eps) ")),
            Pitfall("variance_is_the_biased_one",
                    "your layer norm divides the variance by M - 1 (torch.var's default): layer and group "
                    "norm divide by M, the number of normalized elements",
                    "m.layer_norm_forward(x(4, 3), 3)[0]",
                    ("    var = ((x2 - mean) ** 2).mean(axis=1, keepdims=True)",
                     "    var = x2.var(axis=1, ddof=1, keepdims=True)")),
            Pitfall("normalized_shape_is_the_trailing_shape",
                    "your layer norm normalizes over every axis but the first: it normalizes over the "
                    "trailing normalized_shape only, so (N, T, d) with normalized_shape d gives each of the "
                    "N * T rows mean 0 and variance 1",
                    "m.layer_norm_forward(x(2, 3, 4), 4)[0]",
                    ("    rows = x.reshape(-1, int(np.prod(shape)))",
                     "    rows = x.reshape(x.shape[0], -1)")),
            Pitfall("groups_are_consecutive_channels",
                    "your group norm puts every G-th channel in one group: group g holds channels g C/G to "
                    "(g + 1) C/G - 1, a reshape to (N, G, C/G, ...), not (N, C/G, G, ...)",
                    "m.group_norm_forward(x(2, 6, 3, 2), 3)[0]",
                    ("    rows = x.reshape(n * num_groups, -1)  # channels of a group are consecutive\n"
                     "    x_hat, inv_std = _normalize_rows(rows.astype(np.float64), eps)\n"
                     "    x_hat = x_hat.reshape(x.shape)\n",
                     "    rows = x.reshape(n, c // num_groups, num_groups, -1).transpose(0, 2, 1, 3)\n"
                     "    x_hat, inv_std = _normalize_rows(rows.reshape(n * num_groups, -1), eps)\n"
                     "    x_hat = x_hat.reshape(n, num_groups, c // num_groups, -1).transpose(0, 2, 1, 3)\n"
                     "    x_hat = x_hat.reshape(x.shape)\n")),
        ],
    ),
    Exercise(
        module="convolution", page="convnets/convolution.md", title="The convolutional layer", order=14,
        concepts="output-size arithmetic with stride, padding and dilation, receptive fields, parameter "
                 "counts with groups, cross-correlation by im2col and its backward pass",
        implement={
            "conv_output_size": "span = dilation (kernel_size - 1) + 1; floor((size + 2 padding - span) / "
                                "stride) + 1, refusing a span that does not fit",
            "receptive_field": "r = 1, jump = 1; per layer r += dilation (k - 1) jump, then jump *= stride",
            "conv2d_param_count": "C_out (C_in / groups) kH kW weights, plus C_out biases",
            "conv2d_forward": "check the arguments; patches of the padded x (_windows) unrolled into "
                              "columns per group, out = w_mat @ cols (the kernel NOT flipped), plus b",
            "conv2d_backward": "db = sum of dout; dw = sum over images of dout @ cols.T; dcols = w.T @ dout, "
                               "each kernel tap added back onto the pixels it read; cut the padding",
            "conv2d_forward_loops": "out[n, o, i, j] = b[o] + sum(w[o] * the patch of group g(o) that "
                                    "position (i, j) reads); _loop_setup gives out, the padded x, the taps",
            "conv2d_backward_loops": "per output value: dx_patch += dout * w[o], dw[o] += dout * patch; "
                                     "cut the padding off dx",
        },
        cases=[
            Case("output_size", "[m.conv_output_size(*a) for a in [(32, 3, 1, 1, 1), (8, 3, 2, 0, 1), "
                 "(7, 3, 2, 1, 2), (10, 2, 3, 0, 1), (5, 5, 1, 0, 1), (9, 3, 1, 2, 3), (224, 7, 2, 3, 1)]]"),
            Case("output_size_refuses_a_kernel_that_does_not_fit",
                 "[raises(lambda: m.conv_output_size(5, 3, dilation=3), ValueError), "
                 "raises(lambda: m.conv_output_size(4, 5), ValueError)]"),
            Case("receptive_field", "[m.receptive_field([(3, 1, 1)] * 3), m.receptive_field([(7, 2, 1), "
                 "(3, 2, 1), (3, 1, 1), (3, 1, 2)]), m.receptive_field([(2, 2, 1)] * 4), "
                 "m.receptive_field([])]"),
            Case("param_count", "[m.conv2d_param_count(3, 64, 7), m.conv2d_param_count(32, 32, 3, "
                 "groups=32), m.conv2d_param_count(16, 8, (1, 3), bias=False), m.conv2d_param_count(8, 4, 3, "
                 "groups=2)]"),
            Case("forward_float32", "m.conv2d_forward(np.round(x(2, 3, 5, 5) * 4) / 4, "
                 "np.round(x(4, 3, 3, 3, seed=3) * 4) / 4, np.round(x(4, seed=4) * 4) / 4)[0]"),
            Case("forward_strided_padded_dilated",
                 "m.conv2d_forward(x(2, 2, 7, 6, dtype='float64'), x(3, 2, 2, 3, seed=3, dtype='float64'), "
                 "stride=(2, 1), padding=1, dilation=(1, 2))[0]"),
            Case("forward_groups", "m.conv2d_forward(x(2, 4, 5, 4, dtype='float64'), x(6, 2, 3, 2, seed=3, "
                 "dtype='float64'), x(6, seed=4, dtype='float64'), padding=(1, 0), groups=2)[0]"),
            Case("backward_float32",
                 "m.conv2d_backward(np.round(x(2, 4, 3, 3, seed=8) * 4) / 4, m.conv2d_forward(np.round("
                 "x(2, 3, 5, 5) * 4) / 4, np.round(x(4, 3, 3, 3, seed=3) * 4) / 4, np.round(x(4, seed=4) "
                 "* 4) / 4)[1])"),
            Case("backward_strided_padded_dilated_groups",
                 "m.conv2d_backward(x(2, 4, 4, 4, seed=8, dtype='float64'), m.conv2d_forward(x(2, 2, 7, 6, "
                 "dtype='float64'), x(4, 1, 2, 3, seed=3, dtype='float64'), stride=(2, 1), padding=1, "
                 "dilation=(1, 2), groups=2)[1])"),
            Case("forward_loops", "m.conv2d_forward_loops(x(2, 4, 5, 4, dtype='float64'), x(6, 2, 3, 2, "
                 "seed=3, dtype='float64'), x(6, seed=4, dtype='float64'), stride=2, padding=(1, 0), "
                 "groups=2)"),
            Case("backward_loops", "m.conv2d_backward_loops(x(2, 4, 4, 4, seed=8, dtype='float64'), x(2, 2, "
                 "7, 6, dtype='float64'), x(4, 1, 2, 3, seed=3, dtype='float64'), x(4, seed=4, "
                 "dtype='float64'), stride=(2, 1), padding=1, dilation=(1, 2), groups=2)"),
        ],
        gradients=[
            Gradient("backward_dx_matches_finite_differences",
                     "conv2d_backward's dx is not the gradient of conv2d_forward in x",
                     "wt = x(2, 4, 3, 4, seed=9, dtype='float64')\n"
                     "k = x(4, 1, 2, 3, seed=3, dtype='float64')\n"
                     "args = dict(stride=(2, 1), padding=1, dilation=(1, 2), groups=2)\n"
                     "f = lambda a: float(np.sum(wt * m.conv2d_forward(a, k, **args)[0]))\n"
                     "grad = lambda a: m.conv2d_backward(wt, m.conv2d_forward(a, k, **args)[1])[0]\n"
                     "x0 = x(2, 2, 5, 6, dtype='float64')"),
            Gradient("backward_dw_matches_finite_differences",
                     "conv2d_backward's dw is not the gradient of conv2d_forward in w",
                     "wt, a = x(2, 4, 3, 4, seed=9, dtype='float64'), x(2, 2, 5, 6, dtype='float64')\n"
                     "args = dict(stride=(2, 1), padding=1, dilation=(1, 2), groups=2)\n"
                     "f = lambda k: float(np.sum(wt * m.conv2d_forward(a, k, **args)[0]))\n"
                     "grad = lambda k: m.conv2d_backward(wt, m.conv2d_forward(a, k, **args)[1])[1]\n"
                     "x0 = x(4, 1, 2, 3, seed=3, dtype='float64')"),
        ],
        pitfalls=[
            Pitfall("the_layer_is_a_cross_correlation_not_a_flipped_convolution",
                    "your conv2d flips the kernel (the convolution of signal processing): conv2d, ours and "
                    "PyTorch's, is a cross-correlation that slides the kernel as it is",
                    "m.conv2d_forward(x(2, 2, 5, 4, dtype='float64'), x(3, 2, 3, 2, seed=3, "
                    "dtype='float64'))[0]",
                    ("    w_mat = w.reshape(groups, c_out // groups, c_group * kh * kw)\n    out = ",
                     "    w_mat = w[..., ::-1, ::-1].reshape(groups, c_out // groups, c_group * kh * kw)\n"
                     "    out = ")),
            Pitfall("the_loops_are_a_cross_correlation_too",
                    "your loop version flips the kernel: out[n, o, i, j] sums w[o, c, u, v] times the "
                    "input at (i s + u d, j s + v d), u and v counted forwards",
                    "m.conv2d_forward_loops(x(2, 4, 5, 4, dtype='float64'), x(6, 2, 3, 2, seed=3, "
                    "dtype='float64'), x(6, seed=4, dtype='float64'), stride=2, padding=(1, 0), groups=2)",
                    ("np.sum(xp[n][patch] * w[o])", "np.sum(xp[n][patch] * w[o][:, ::-1, ::-1])")),
            Pitfall("dilation_widens_the_kernel_to_d_k_minus_1_plus_1",
                    "your output size ignores the dilation: a kernel of k taps with dilation d spans "
                    "d (k - 1) + 1 inputs, so size_out = floor((size + 2 p - d (k - 1) - 1) / s) + 1",
                    "[m.conv_output_size(*a) for a in [(7, 3, 2, 1, 2), (9, 3, 1, 2, 3), (12, 2, 1, 0, 4)]]",
                    ("    span = dilation * (kernel_size - 1) + 1  # the dilated kernel's extent",
                     "    span = kernel_size  # the dilated kernel's extent")),
            Pitfall("stride_drops_the_last_rows_when_it_does_not_divide",
                    "your output size rounds up: when the stride does not divide, the last rows enter no "
                    "window and are dropped (the floor), so 8 rows, a 3x3 kernel and stride 2 give 3 rows",
                    "[m.conv_output_size(*a) for a in [(8, 3, 2, 0, 1), (10, 2, 3, 0, 1)]]",
                    ("    return (size + 2 * padding - span) // stride + 1\n# --8<-- [end:output_size]",
                     "    return -(-(size + 2 * padding - span) // stride) + 1\n# --8<-- [end:output_size]")),
            Pitfall("groups_divide_the_input_channels_of_each_filter",
                    "your parameter count ignores groups: each filter sees C_in / groups channels, so a "
                    "depthwise 3x3 layer on 32 channels has 32 * 1 * 3 * 3 = 288 weights, not 9216",
                    "[m.conv2d_param_count(32, 32, 3, groups=32), m.conv2d_param_count(8, 4, 3, groups=2)]",
                    ("    weights = out_channels * (in_channels // groups) * kh * kw",
                     "    weights = out_channels * in_channels * kh * kw")),
        ],
    ),
    Exercise(
        module="pooling", page="convnets/pooling.md", title="Max and average pooling", order=15,
        concepts="windows and their sizes, where the gradient of a maximum goes (ties, overlaps), "
                 "-inf vs zero padding, count_include_pad",
        implement={
            "max_pool2d_forward": "check the arguments (_check_pool_args); windows of x padded with -inf; "
                                  "winner = argmax of each flattened window (the first wins ties); out = "
                                  "its value; cache the winners",
            "max_pool2d_backward": "each window's gradient to its winner's cell in the padded image, ADDED "
                                   "(np.bincount) where windows share a cell; cut the padding",
            "avg_pool2d_forward": "windows of x padded with zeros, summed, divided by kH * kW "
                                  "(count_include_pad) or by the number of real cells of each window",
            "avg_pool2d_backward": "dout / divisor added to every cell of its window (overlaps add up); "
                                   "cut the padding",
        },
        cases=[
            Case("max_forward", "m.max_pool2d_forward(x(2, 3, 6, 5), 2)[0]"),
            Case("max_forward_overlapping_padded",
                 "m.max_pool2d_forward(x(2, 2, 7, 6, dtype='float64'), (3, 2), stride=(2, 1), "
                 "padding=(1, 1))[0]"),
            Case("max_backward", "m.max_pool2d_backward(x(2, 3, 3, 2, seed=8), m.max_pool2d_forward("
                 "x(2, 3, 6, 5), 2)[1])"),
            Case("max_backward_overlapping_padded",
                 "m.max_pool2d_backward(x(2, 2, 4, 7, seed=8, dtype='float64'), m.max_pool2d_forward("
                 "x(2, 2, 7, 6, dtype='float64'), (3, 2), stride=(2, 1), padding=(1, 1))[1])"),
            Case("avg_forward", "m.avg_pool2d_forward(x(2, 3, 6, 5), 2)[0]"),
            Case("avg_forward_padded_both_divisors",
                 "[m.avg_pool2d_forward(x(1, 2, 5, 5, dtype='float64'), 3, 2, 1, flag)[0] "
                 "for flag in (True, False)]"),
            Case("avg_backward_padded_both_divisors",
                 "[m.avg_pool2d_backward(x(1, 2, 3, 3, seed=8, dtype='float64'), m.avg_pool2d_forward("
                 "x(1, 2, 5, 5, dtype='float64'), 3, 2, 1, flag)[1]) for flag in (True, False)]"),
        ],
        gradients=[
            Gradient("max_backward_matches_finite_differences",
                     "max_pool2d_backward is not the gradient of max_pool2d_forward",
                     "w = x(2, 2, 4, 7, seed=9, dtype='float64')\n"
                     "f = lambda a: float(np.sum(w * m.max_pool2d_forward(a, (3, 2), (2, 1), 1)[0]))\n"
                     "grad = lambda a: m.max_pool2d_backward(w, m.max_pool2d_forward(a, (3, 2), (2, 1), "
                     "1)[1])\n"
                     "x0 = x(2, 2, 7, 6, dtype='float64')"),
            Gradient("avg_backward_matches_finite_differences",
                     "avg_pool2d_backward is not the gradient of avg_pool2d_forward",
                     "w = x(1, 2, 3, 3, seed=9, dtype='float64')\n"
                     "f = lambda a: float(np.sum(w * m.avg_pool2d_forward(a, 3, 2, 1, False)[0]))\n"
                     "grad = lambda a: m.avg_pool2d_backward(w, m.avg_pool2d_forward(a, 3, 2, 1, "
                     "False)[1])\n"
                     "x0 = x(1, 2, 5, 5, dtype='float64')"),
        ],
        pitfalls=[
            Pitfall("ties_give_the_whole_gradient_to_the_first_maximum",
                    "your max pooling sends the gradient to EVERY cell that ties for the maximum: PyTorch "
                    "gives the whole gradient to the first maximum in row-major order (top row first, "
                    "left to right), so a window's gradient is counted once",
                    "m.max_pool2d_backward(x(2, 2, 3, 3, seed=8), m.max_pool2d_forward(np.maximum(np.round("
                    "x(2, 2, 6, 6)), 0), 2)[1])",
                    ("# --8<-- [end:max_backward]\n", "# --8<-- [end:max_backward]\n" + _MAX_POOL_BY_MASK)),
            Pitfall("a_tie_goes_to_the_first_maximum_not_the_last",
                    "your max pooling gives a tie's gradient to the LAST maximum: PyTorch gives it to the "
                    "first in row-major order (np.argmax does too)",
                    "m.max_pool2d_backward(x(2, 2, 3, 3, seed=8), m.max_pool2d_forward(np.maximum(np.round("
                    "x(2, 2, 6, 6)), 0), 2)[1])",
                    ("    winner = flat.argmax(axis=-1)  # the first",
                     "    winner = flat.shape[-1] - 1 - flat[..., ::-1].argmax(axis=-1)  # the first")),
            Pitfall("max_pooling_never_picks_a_padded_cell",
                    "your max pooling pads with zeros: on a negative feature map 0 then wins every border "
                    "window; pad with -inf so that a padded cell never wins",
                    "m.max_pool2d_forward(-np.abs(x(1, 2, 5, 5)) - 0.1, 3, 2, 1)[0]",
                    ("    windows = _windows(x, kernel, stride, padding, -np.inf)",
                     "    windows = _windows(x, kernel, stride, padding, 0)")),
            Pitfall("count_include_pad_divides_by_the_whole_window",
                    "your average pooling mixes up count_include_pad: True (PyTorch's default) divides "
                    "every window by kH * kW, padded zeros included; False divides by the real cells only "
                    "(TensorFlow's way), so a corner window of 3x3 with padding 1 is divided by 9 or by 4",
                    "[m.avg_pool2d_forward(x(1, 2, 5, 5), 3, 2, 1, flag)[0] for flag in (True, False)]",
                    ("    if _check_bool(count_include_pad, \"count_include_pad\"):",
                     "    if not _check_bool(count_include_pad, \"count_include_pad\"):")),
            Pitfall("overlapping_windows_add_their_gradients_at_a_shared_maximum",
                    "your max pooling backward writes each window's gradient instead of adding it: with "
                    "overlapping windows a cell that wins several must collect the sum of their gradients",
                    "m.max_pool2d_backward(x(1, 1, 3, 3, seed=8), m.max_pool2d_forward(x(1, 1, 5, 5), 3, "
                    "1)[1])",
                    ("    dx = np.bincount((plane + rows * wp + cols).ravel(), weights=dout.ravel(),\n"
                     "                     minlength=n * c * hp * wp).astype(dout.dtype)\n",
                     "    dx = np.zeros(n * c * hp * wp, dout.dtype)\n"
                     "    dx[(plane + rows * wp + cols).ravel()] = dout.ravel()\n")),
            Pitfall("overlapping_average_windows_add_their_gradients",
                    "your average pooling backward writes each window's share instead of adding it: a cell "
                    "in several overlapping windows collects all their shares",
                    "m.avg_pool2d_backward(x(1, 2, 3, 3, seed=8), m.avg_pool2d_forward(x(1, 2, 5, 5), 3, 2, "
                    "1)[1])",
                    ("               j: j + sw * (w_out - 1) + 1: sw] += share",
                     "               j: j + sw * (w_out - 1) + 1: sw] = share")),
        ],
    ),
    Exercise(
        module="residual", page="convnets/residual.md", title="Residual blocks", order=16,
        concepts="y = x + F(x), the identity's gradient dy + du, nothing after the addition, the "
                 "pre-activation layer norm and its backward pass",
        implement={
            "residual_forward": "check the arguments (_check_block_params refuses a branch that changes "
                                "the width); u = x or LN(x); z1 = u W1^T + b1; a1 = relu(z1); f = a1 W2^T "
                                "+ b2; y = x + f (f without skip)",
            "residual_backward": "back through f, the ReLU (z1 > 0) and the first layer to du (and the "
                                 "layer norm's two correction terms); dx = dy + du with the skip",
        },
        cases=[
            Case("forward_float32", f"m.residual_forward({_BLOCK_X32}, {_BLOCK32})[0]"),
            Case("forward_float64", f"m.residual_forward({_BLOCK_X}, {_BLOCK})[0]"),
            Case("forward_without_skip", f"m.residual_forward({_BLOCK_X}, {_BLOCK}, skip=False)[0]"),
            Case("forward_normalized", f"m.residual_forward({_BLOCK_X}, {_BLOCK}, normalize=True, "
                 "eps=1e-3)[0]"),
            Case("backward_float32", f"m.residual_backward(np.round(x(6, 4, seed=8) * 4) / 4, "
                 f"m.residual_forward({_BLOCK_X32}, {_BLOCK32})[1])"),
            Case("backward_without_skip", f"m.residual_backward(x(6, 4, seed=8, dtype='float64'), "
                 f"m.residual_forward({_BLOCK_X}, {_BLOCK}, skip=False)[1])"),
            Case("backward_normalized", f"m.residual_backward(x(6, 4, seed=8, dtype='float64'), "
                 f"m.residual_forward({_BLOCK_X}, {_BLOCK}, normalize=True)[1])"),
        ],
        gradients=[
            Gradient("backward_dx_matches_finite_differences",
                     "residual_backward's dx is not the gradient of residual_forward in x",
                     f"p, w = {_BLOCK}, x(6, 4, seed=9, dtype='float64')\n"
                     "f = lambda a: float(np.sum(w * m.residual_forward(a, p)[0]))\n"
                     "grad = lambda a: m.residual_backward(w, m.residual_forward(a, p)[1])[0]\n"
                     f"x0 = {_BLOCK_X}"),
            Gradient("backward_dx_through_the_layer_norm_matches_finite_differences",
                     "residual_backward's dx is not the gradient of residual_forward with normalize=True",
                     f"p, w = {_BLOCK}, x(6, 4, seed=9, dtype='float64')\n"
                     "f = lambda a: float(np.sum(w * m.residual_forward(a, p, normalize=True)[0]))\n"
                     "grad = lambda a: m.residual_backward(w, m.residual_forward(a, p, normalize=True)[1])"
                     "[0]\n"
                     f"x0 = {_BLOCK_X}"),
            Gradient("backward_dW1_matches_finite_differences",
                     "residual_backward's grads['W1'] is not the gradient of residual_forward in W1",
                     f"p, w, a = {_BLOCK}, x(6, 4, seed=9, dtype='float64'), {_BLOCK_X}\n"
                     "f = lambda W: float(np.sum(w * m.residual_forward(a, {**p, 'W1': W}, "
                     "normalize=True)[0]))\n"
                     "grad = lambda W: m.residual_backward(w, m.residual_forward(a, {**p, 'W1': W}, "
                     "normalize=True)[1])[1]['W1']\n"
                     "x0 = p['W1']"),
        ],
        pitfalls=[
            Pitfall("the_gradient_is_dy_plus_dy_through_the_branch",
                    "your backward pass forgets the identity's gradient: y = x + F(x), so dx = dy + du; "
                    "du alone is the plain network's gradient, without the term that makes deep residual "
                    "networks trainable",
                    f"m.residual_backward(x(6, 4, seed=8, dtype='float64'), m.residual_forward({_BLOCK_X}, "
                    f"{_BLOCK})[1])[0]",
                    ('    dx = dy + du if c["skip"] else du', "    dx = du")),
            Pitfall("nothing_comes_after_the_addition",
                    "your block applies a ReLU after the addition (the original ResNet): then the shortcut "
                    "is not an identity path and masks the gradient at every block; here y = x + F(x)",
                    f"m.residual_forward({_BLOCK_X}, {_BLOCK})[0]",
                    ("    y = x + f if skip else f", "    y = np.maximum(x + f, 0) if skip else f")),
            Pitfall("a_branch_that_changes_the_width_is_refused",
                    "your block adds x and F(x) of different shapes: NumPy broadcasts (N, 1) + (N, 3) "
                    "into a silently wrong sum; refuse a branch whose output does not have x's shape "
                    "(_check_block_params), or project the shortcut",
                    "raises(lambda: m.residual_forward(x(6, 1, dtype='float64'), {'W1': x(5, 1, seed=2, "
                    "dtype='float64'), 'b1': x(5, seed=3, dtype='float64'), 'W2': x(3, 5, seed=4, "
                    "dtype='float64'), 'b2': x(3, seed=5, dtype='float64')}), ValueError)",
                    ("    params = _check_block_params(params, x)\n", "")),
            Pitfall("the_layer_norm_backward_has_two_correction_terms",
                    "your backward pass treats the layer norm's mean and variance as constants (du * "
                    "inv_std): every feature of an example moves both, so subtract mean(du) and "
                    "x_hat * mean(du * x_hat) first",
                    f"m.residual_backward(x(6, 4, seed=8, dtype='float64'), m.residual_forward({_BLOCK_X}, "
                    f"{_BLOCK}, normalize=True)[1])[0]",
                    ('        du = c["inv_std"] * (du - du.mean(axis=1, keepdims=True)\n'
                     '                             - x_hat * (du * x_hat).mean(axis=1, keepdims=True))',
                     '        du = c["inv_std"] * du')),
        ],
    ),
    Exercise(
        module="early_stopping", page="regularization/early-stopping.md", title="Early stopping", order=13,
        concepts="state in, state out; an improvement against the best value by more than min_delta; "
                 "patience; copies of the best weights, restored; early stopping as L2",
        implement={
            "init_early_stopping": "check the arguments; best None, best_epoch -1, epoch 0, wait 0, "
                                   "best_params None, stopped False",
            "update_early_stopping": "a new state with epoch + 1 and wait + 1; a non-finite value stops at "
                                     "once; an improvement (value < best - min_delta, or > best + min_delta "
                                     "in mode max) sets best, best_epoch, wait 0 and COPIES of params; "
                                     "else stop when wait >= patience",
            "restore_best_params": "copies of state['best_params']; a ValueError while there are none",
            "gd_shrinkage": "1 - (1 - lr c)^steps per curvature c (-expm1(steps log1p(-lr c)))",
            "l2_shrinkage": "c / (c + alpha) per curvature c",
        },
        cases=[
            Case("init", "m.init_early_stopping(3, min_delta=0.01, mode='max')"),
            Case("a_run_in_mode_min", _early_stopping_run("(1.0, 0.8, 0.85, 0.77, 0.9, 0.76)",
                                                          "m.init_early_stopping(2, min_delta=0.02)")),
            Case("a_run_in_mode_max", _early_stopping_run("(0.5, 0.6, 0.6, 0.65, 0.64, 0.63)",
                                                          "m.init_early_stopping(2, mode='max')")),
            Case("the_state_after_a_run", _early_stopping_run("(1.0, 0.8, 0.85)", then="s")),
            Case("restore_before_any_value_is_refused",
                 "raises(lambda: m.restore_best_params(m.init_early_stopping(2)), ValueError)"),
            Case("restore_gives_copies",
                 _early_stopping_run("(1.0, 0.5)", then="[m.restore_best_params(s)['W1'].fill(0.0), "
                                     "m.restore_best_params(s)][1]")),
            Case("gd_shrinkage", "m.gd_shrinkage([0.01, 0.1, 1.0, 5.0], 0.1, 20)"),
            Case("l2_shrinkage", "m.l2_shrinkage([0.01, 0.1, 1.0, 5.0], 0.5)"),
        ],
        pitfalls=[
            Pitfall("best_params_are_copies_not_references",
                    "your early stopping keeps a reference to the parameters, not a copy: the optimizer "
                    "updates them in place, so the 'best' weights follow training to its end; store "
                    "{k: v.copy()} on every improvement",
                    "[(s := m.update_early_stopping(m.init_early_stopping(2), 1.0, p := params())[0]), "
                    "p['W1'].fill(0.0), m.restore_best_params(s)][-1]",
                    ("best_params={k: v.copy() for k, v in params.items()}", "best_params=params")),
            Pitfall("restore_best_gives_the_parameters_of_the_best_epoch",
                    "your early stopping keeps the parameters of the LAST epoch: training stops patience "
                    "epochs after the best one, so keep (and restore) the parameters of the best epoch",
                    _early_stopping_run("(1.0, 0.5, 0.7, 0.8)", then="m.restore_best_params(s)"),
                    ('    new["stopped"] = new["wait"] >= state["patience"]\n',
                     '    new["best_params"] = {k: v.copy() for k, v in params.items()}\n'
                     '    new["stopped"] = new["wait"] >= state["patience"]\n')),
            Pitfall("patience_counts_the_epochs_without_improvement",
                    "your early stopping waits one epoch too many (or too few): stop when the epochs in a "
                    "row without an improvement reach patience, so a constant metric runs patience + 1 "
                    "epochs",
                    _early_stopping_run("(1.0, 1.0, 1.0, 1.0)", "m.init_early_stopping(3)"),
                    ('new["wait"] >= state["patience"]', 'new["wait"] > state["patience"]')),
            Pitfall("small_improvements_do_not_move_the_best_value",
                    "your early stopping moves the best value on every small gain (best = min(best, "
                    "value)): an improvement beats the BEST value by more than min_delta, and only an "
                    "improvement moves it",
                    _early_stopping_run("(1.0, 0.96, 0.92, 0.88, 0.84, 0.8)",
                                        "m.init_early_stopping(3, min_delta=0.05)"),
                    ('    new["stopped"] = new["wait"] >= state["patience"]\n',
                     '    if state["mode"] == "min" and value < best:\n'
                     '        new["best"] = value  # best = min(best, value)\n'
                     '    new["stopped"] = new["wait"] >= state["patience"]\n')),
            Pitfall("min_delta_improvement_must_be_strictly_larger",
                    "your early stopping counts a change of exactly min_delta as an improvement: it must be "
                    "strictly larger, value < best - min_delta",
                    _early_stopping_run("(1.0, 0.75, 0.5, 0.25)", "m.init_early_stopping(2, min_delta=0.25)"),
                    ("value < best - delta", "value <= best - delta")),
            Pitfall("mode_max_mirrors_mode_min",
                    "your mode 'max' treats the metric as a loss: an accuracy improves when it RISES, "
                    "value > best + min_delta; in mode 'min' early stopping on accuracy stops at the first "
                    "improvement",
                    _early_stopping_run("(0.5, 0.6, 0.6, 0.65, 0.64, 0.63)", "m.init_early_stopping(2, "
                                        "mode='max')"),
                    ("improved = best is None or value > best + delta",
                     "improved = best is None or value < best - delta")),
            Pitfall("a_nan_metric_stops_at_once_and_is_never_the_best",
                    "your early stopping does not stop on a NaN or infinite metric: every comparison with "
                    "NaN is false, so a diverged run waits patience epochs more (or NaN becomes the best); "
                    "stop at once",
                    "[" + _early_stopping_run("(np.nan,)") + ", "
                    + _early_stopping_run("(1.0, np.inf)", "m.init_early_stopping(3)") + "]",
                    ("    if not np.isfinite(value):\n"
                     "        new[\"stopped\"] = True  # diverged: waiting `patience` epochs more will "
                     "not help\n        return new, True\n", "")),
        ],
    ),
    Exercise(
        module="tuning", page="practice/tuning.md", title="Hyperparameter search", order=17,
        concepts="log-uniform sampling of scale parameters, grids vs random search, refusing NaN "
                 "scores, coarse to fine, successive halving's budget",
        implement={
            "sample_configs": "check the arguments; per dimension, in order, n draws at once: "
                              "exp(rng.uniform(log low, log high, n)), rng.uniform(low, high, n), or "
                              "options[rng.integers(0, len(options), n)]; then one dict per draw",
            "grid_configs": "geomspace (log-uniform) or linspace (uniform) of points values (points = 1: "
                            "the middle one of points + 2), every option of a choice; itertools.product",
            "run_search": "score every config with objective(dict(config), budget) through _check_score "
                          "(NaN refused); the best is the first lowest score",
            "narrow_space": "log-uniform: [c / factor, c * factor]; uniform: 1/factor of the width "
                            "centred on c; both kept inside the old bounds; choices unchanged",
            "successive_halving": "score the alive configs at the budget; keep the best len // eta "
                                  "(stable order), budget *= eta; stop at one config or when none would "
                                  "be kept",
        },
        cases=[
            Case("sample_configs", f"m.sample_configs({_SPACE}, 6, rng())"),
            Case("sample_configs_another_seed", f"m.sample_configs({_SPACE}, 3, rng(7))"),
            Case("grid_configs", f"m.grid_configs({_SPACE}, 3)"),
            Case("grid_configs_one_point_is_the_middle", f"m.grid_configs({_SPACE}, 1)"),
            Case("run_search", f"m.run_search({_OBJECTIVE}, {_CONFIGS}, budget=2)"),
            Case("a_diverged_run_may_return_inf_and_ranks_last",
                 f"[(r := m.run_search(lambda c, b: np.inf if c['lr'] > 1e-3 else 1.0 + c['dropout'], "
                 f"{_CONFIGS}))['best_index'], r['best_score'], [s == np.inf for s in r['scores']]]"),
            Case("narrow_space",
                 f"m.narrow_space({_SPACE}, {{'lr': 1e-3, 'dropout': 0.2, 'width': 128}}, 10)"),
            Case("successive_halving", f"m.successive_halving({_OBJECTIVE}, {_CONFIGS}, 1)"),
            Case("successive_halving_eta_2", f"m.successive_halving({_OBJECTIVE}, {_CONFIGS}[:7], 2, eta=2)"),
        ],
        pitfalls=[
            Pitfall("log_uniform_is_uniform_in_the_log",
                    "your sampler draws a log-uniform dimension uniformly: then 90% of the learning rates "
                    "in [1e-5, 1e-1] fall in [1e-2, 1e-1]; draw log(value) uniformly, "
                    "exp(rng.uniform(log low, log high, n))",
                    f"m.sample_configs({_SPACE}, 6, rng())",
                    ("columns[name] = np.exp(rng.uniform(np.log(low), np.log(high), n)).tolist()",
                     "columns[name] = rng.uniform(low, high, n).tolist()")),
            Pitfall("a_log_grid_is_evenly_spaced_in_the_log",
                    "your grid spaces a log-uniform dimension evenly: 1e-5, 0.05, 0.1 wastes two of three "
                    "points on one decade; use np.geomspace (1e-5, 1e-3, 1e-1)",
                    f"m.grid_configs({_SPACE}, 3)",
                    ("                else np.geomspace(args[0], args[1], points)",
                     "                else np.linspace(args[0], args[1], points)")),
            Pitfall("an_objective_that_returns_nan_is_refused",
                    "your search lets a NaN score through: np.argmin([0.5, nan]) is 1, so a diverged run "
                    "becomes the best configuration; refuse NaN with a ValueError (_check_score) and let "
                    "a diverged run return math.inf",
                    f"raises(lambda: m.run_search(lambda c, b: np.nan if c['lr'] > 1e-2 else 0.5, "
                    f"{_CONFIGS}), ValueError)",
                    ("    scores = [_check_score(objective(dict(c), budget)) for c in configs]",
                     "    scores = [objective(dict(c), budget) for c in configs]")),
            Pitfall("narrow_space_stays_inside_the_old_bounds",
                    "your narrowed space leaves the old one: around a best at the edge, clip the new "
                    "range to the old bounds (and widen the space yourself if the optimum may lie beyond)",
                    f"m.narrow_space({_SPACE}, {{'lr': 1e-5, 'dropout': 0.2, 'width': 128}}, 10)",
                    ("            new[name] = (kind, max(low, c / factor), min(high, c * factor))",
                     "            new[name] = (kind, c / factor, c * factor)")),
            Pitfall("successive_halving_keeps_the_best_n_over_eta",
                    "your successive halving keeps half of the configurations: it keeps the best "
                    "floor(n_k / eta) and multiplies the budget by eta (27, 9, 3, 1 for eta = 3)",
                    f"m.successive_halving({_OBJECTIVE}, {_CONFIGS}, 1)",
                    ("        keep = len(alive) // eta", "        keep = len(alive) // 2")),
        ],
    ),
]
