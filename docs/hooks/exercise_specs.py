"""What each exercise asks (docs/hooks/exercises.py generates the files from the snippets at build time).

An exercise names a snippet module, its page, the functions the reader implements (each with a one-line
hint), cases whose expected values are recorded from the real snippet at build time, gradient checks,
and the page's pitfalls: each a named test with a message that teaches, and the mistake it catches as a
source fragment of the snippet and its wrong replacement (the build fails if the fragment is gone).
To add an exercise: append an ``Exercise`` here; tests/test_exercises.py then proves that its checker
passes on the snippet and fails on the stub and on every planted mistake.

Calls are Python evaluated with ``m`` (the reader's module), ``np``, and the helpers ``rng(seed)``,
``x(*shape, seed=, dtype=, low=)``, ``params(seed=, dtype=)`` and ``raises(call, kind)`` of
docs/hooks/exercises.py.
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
]
