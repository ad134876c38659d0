"""Learning-rate schedules as pure functions of the step.

Each function maps a step index (the number of updates done so far, starting at 0) to
the learning rate for the next update. There is no hidden state: calling a schedule to
plot it does not advance it, and resuming training at step ``k`` needs nothing but
``k``.

Each schedule equals a PyTorch scheduler after ``k`` calls to ``scheduler.step()``:
``step_decay`` is ``StepLR``, ``triangular_clr`` is ``CyclicLR`` (its three modes),
``sgdr`` is ``CosineAnnealingWarmRestarts``, ``one_cycle`` is ``OneCycleLR`` (two
phases by default, the paper's three with ``three_phase=True``) and ``warmup_cosine`` is
``LinearLR`` then ``CosineAnnealingLR`` in ``SequentialLR``.

References: Smith, "Cyclical Learning Rates for Training Neural Networks", WACV 2017;
Loshchilov and Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts", ICLR
2017; Smith and Topin, "Super-Convergence: Very Fast Training of Neural Networks Using
Large Learning Rates", 2017 (arXiv:1708.07120); Smith, "A disciplined approach to neural
network hyper-parameters: Part 1", 2018 (arXiv:1803.09820); Goyal et al., "Accurate,
Large Minibatch SGD: Training ImageNet in 1 Hour", 2017 (arXiv:1706.02677), section 2.2
(gradual warm-up).
"""

import math

import numpy as np


# --8<-- [start:step_decay]
def step_decay(step, *, lr0, drop, every):
    """Step decay: multiply the learning rate by ``drop`` every ``every`` steps (PyTorch
    ``StepLR``).

    Parameters
    ----------
    step : int >= 0
        Number of updates done so far.
    lr0 : float >= 0
        Learning rate for steps ``0 .. every - 1``.
    drop : float in (0, 1]
        Factor applied at each drop (``gamma`` in ``StepLR``).
    every : int >= 1
        Steps between drops (``step_size`` in ``StepLR``).

    Returns
    -------
    float
        ``lr0 * drop ** (step // every)``.
    """
    _check_int(step, "step", 0)
    _check_number(lr0, "lr0", 0)
    _check_number(drop, "drop", 0, 1, low_open=True)
    _check_int(every, "every", 1)
    return lr0 * drop ** (step // every)
# --8<-- [end:step_decay]


# --8<-- [start:triangular_clr]
def triangular_clr(step, *, base_lr, max_lr, step_size, step_size_down=None,
                   mode="triangular", gamma=1.0):
    """Triangular cyclical learning rate (Smith 2017; PyTorch ``CyclicLR``), with the
    paper's two amplitude policies.

    The rate climbs linearly from ``base_lr`` towards ``max_lr`` in ``step_size`` steps,
    comes back down in ``step_size_down`` steps, and repeats. The height of each peak
    above ``base_lr`` is ``(max_lr - base_lr)`` times a factor: 1 ("triangular"),
    halved every cycle ("triangular2"), or ``gamma ** step`` ("exp_range").

    Parameters
    ----------
    step : int >= 0
        Number of updates done so far.
    base_lr : float >= 0
        Lower bound, reached at the start of every cycle.
    max_lr : float >= base_lr
        Upper bound, reached at the first peak (later peaks too in "triangular" mode).
    step_size : int >= 1
        Steps of the rising half (``step_size_up`` in ``CyclicLR``; Smith suggests 2 to
        10 epochs).
    step_size_down : None or int >= 1
        Steps of the falling half; None: ``step_size`` (a symmetric triangle).
    mode : {"triangular", "triangular2", "exp_range"}
        The amplitude policy, as in ``CyclicLR``: constant; ``1 / 2 ** (cycle - 1)``
        for the cycle ``1, 2, ...``; ``gamma ** step``, over every step since the
        start, not per cycle.
    gamma : float in (0, 1]
        The decay of "exp_range"; any other mode needs the default 1 (PyTorch ignores
        it there; here a ``gamma`` that would be ignored is refused).

    Returns
    -------
    float
        ``base_lr + (max_lr - base_lr) * scale * amplitude``, where ``scale`` rises
        from 0 to 1 and falls back within each cycle of
        ``step_size + step_size_down`` steps (PyTorch's arithmetic, step by step).
    """
    _check_clr_args(step, base_lr, max_lr, step_size, step_size_down, mode, gamma)
    down = step_size if step_size_down is None else step_size_down
    total = step_size + down
    up_ratio = step_size / total
    cycle = math.floor(1 + step / total)  # 1, 2, ...
    x = 1.0 + step / total - cycle        # position in the cycle, in [0, 1)
    if x <= up_ratio:
        scale = x / up_ratio                   # rising: 0 -> 1
    else:
        scale = (x - 1) / (up_ratio - 1)       # falling: 1 -> 0
    if mode == "triangular":
        amplitude = 1.0
    elif mode == "triangular2":
        amplitude = 1 / (2.0 ** (cycle - 1))   # halved every cycle
    else:
        amplitude = gamma**step                # exp_range: per step, not per cycle
    return base_lr + (max_lr - base_lr) * scale * amplitude
# --8<-- [end:triangular_clr]


# --8<-- [start:sgdr]
def sgdr(step, *, lr_max, T_0, T_mult=1, eta_min=0.0):
    """Cosine annealing with warm restarts (SGDR; PyTorch
    ``CosineAnnealingWarmRestarts``).

    The rate follows half a cosine from ``lr_max`` down towards ``eta_min`` over a
    period of ``T_i`` steps, then restarts at ``lr_max``; each period is ``T_mult``
    times longer than the one before.

    Parameters
    ----------
    step : int >= 0
        Number of updates done so far.
    lr_max : float >= eta_min
        Rate at the start of every period.
    T_0 : int >= 1
        Length of the first period, in steps.
    T_mult : int >= 1
        Growth factor of the period (1: every period lasts ``T_0`` steps).
    eta_min : float >= 0
        Floor approached at the end of every period.

    Returns
    -------
    float
        ``eta_min + (lr_max - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2``, with
        ``T_cur`` the steps since the last restart.
    """
    _check_int(step, "step", 0)
    _check_int(T_0, "T_0", 1)
    _check_int(T_mult, "T_mult", 1)
    _check_number(eta_min, "eta_min", 0)
    _check_number(lr_max, "lr_max", 0)
    _check_order(eta_min, "eta_min", lr_max, "lr_max")
    t_cur, t_i = step, T_0
    if T_mult == 1:
        t_cur = step % T_0
    else:
        while t_cur >= t_i:  # integer arithmetic: restarts land exactly on their step
            t_cur -= t_i
            t_i *= T_mult
    return eta_min + (lr_max - eta_min) * (1 + math.cos(math.pi * t_cur / t_i)) / 2
# --8<-- [end:sgdr]


# --8<-- [start:one_cycle]
def one_cycle(step, *, total_steps, max_lr, pct_start=0.3, div_factor=25.0,
              final_div_factor=1e4, anneal="cos", three_phase=False, base_momentum=0.85,
              max_momentum=0.95, cycle_momentum=True):
    """The 1cycle policy (Smith and Topin 2017; PyTorch ``OneCycleLR``): learning rate
    and momentum.

    The rate warms up from ``max_lr / div_factor`` to ``max_lr`` over the first
    ``pct_start`` of the run while momentum falls from ``max_momentum`` to
    ``base_momentum``; then:

    - ``three_phase=False`` (PyTorch's and fastai's default): one phase anneals the rate
      from ``max_lr`` to ``min_lr = max_lr / (div_factor * final_div_factor)`` while
      momentum climbs back.
    - ``three_phase=True`` (the paper): the rate comes back down to
      ``max_lr / div_factor`` in as many steps as the warm-up took, mirroring it, then a
      last phase "annihilates" it to ``min_lr`` at constant ``max_momentum``.

    Parameters
    ----------
    step : int in [0, total_steps - 1]
        Number of updates done so far.
    total_steps : int >= 2
        Length of the whole run, in updates.
    max_lr : float > 0
        Peak learning rate.
    pct_start : float in (0, 1)
        Fraction of the run spent warming up. The warm-up must end after step 0
        (``pct_start * total_steps > 1``), and with ``three_phase`` the first two phases
        must end before the last step
        (``2 * pct_start * total_steps < total_steps + 1``).
    div_factor, final_div_factor : float >= 1
        Initial rate ``max_lr / div_factor``; final rate ``initial / final_div_factor``.
    anneal : {"cos", "linear"}
        Shape of every phase: half a cosine or a straight line.
    three_phase : bool
        False: two phases (PyTorch default). True: the paper's three phases.
    base_momentum, max_momentum : float, 0 <= base_momentum <= max_momentum < 1
        Momentum (or Adam's beta1) range, cycled inversely to the learning rate.
    cycle_momentum : bool
        If False, momentum is not scheduled and ``None`` is returned for it.

    Returns
    -------
    lr : float
    momentum : float, or None when ``cycle_momentum`` is False
    """
    _check_one_cycle_args(step, total_steps, max_lr, pct_start, div_factor,
                          final_div_factor, anneal, three_phase, base_momentum,
                          max_momentum, cycle_momentum)
    initial_lr = max_lr / div_factor
    min_lr = initial_lr / final_div_factor
    # phase boundaries, as steps (may be fractional)
    warm_end = pct_start * total_steps - 1
    if three_phase:
        phases = [(warm_end, initial_lr, max_lr, max_momentum, base_momentum),
                  (2 * warm_end, max_lr, initial_lr, base_momentum, max_momentum),
                  (total_steps - 1, initial_lr, min_lr, max_momentum, max_momentum)]
    else:
        phases = [(warm_end, initial_lr, max_lr, max_momentum, base_momentum),
                  (total_steps - 1, max_lr, min_lr, base_momentum, max_momentum)]
    start = 0.0
    for end, lr_a, lr_b, mom_a, mom_b in phases:
        # the last phase ends at total_steps - 1, so some phase always matches
        if step <= end:
            pct = (step - start) / (end - start)  # 0 at the phase's start, 1 at its end
            lr = _anneal(lr_a, lr_b, pct, anneal)
            momentum = _anneal(mom_a, mom_b, pct, anneal) if cycle_momentum else None
            return lr, momentum
        start = end


def _anneal(start, end, pct, anneal):
    if anneal == "cos":
        return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
    return (end - start) * pct + start
# --8<-- [end:one_cycle]


# --8<-- [start:warmup_cosine]
def warmup_cosine(step, *, peak_lr, warmup_steps, total_steps, floor_lr=0.0,
                  start_factor=1 / 3):
    """Linear warm-up, then cosine decay to a floor (PyTorch: ``LinearLR`` then
    ``CosineAnnealingLR`` in ``SequentialLR(milestones=[warmup_steps])``).

    The rate rises linearly from ``start_factor * peak_lr`` at step 0 to ``peak_lr`` at
    step ``warmup_steps``, then follows half a cosine down to ``floor_lr`` at step
    ``total_steps``, and stays there.

    Parameters
    ----------
    step : int >= 0
        Number of updates done so far.
    peak_lr : float >= floor_lr
        The rate at the end of the warm-up (the optimizer's ``lr`` in PyTorch).
    warmup_steps : int >= 1
        Length of the warm-up, in steps (``total_iters`` of ``LinearLR`` and the
        milestone of ``SequentialLR``).
    total_steps : int > warmup_steps
        The step at which the decay reaches ``floor_lr``; the cosine lasts
        ``total_steps - warmup_steps`` steps (``T_max`` of ``CosineAnnealingLR``).
    floor_lr : float >= 0
        The final rate (``eta_min``).
    start_factor : float in (0, 1]
        The first rate as a fraction of ``peak_lr`` (``LinearLR``'s default 1/3).

    Returns
    -------
    float
        ``peak_lr * (start_factor + (1 - start_factor) * step / warmup_steps)`` during
        the warm-up, then
        ``floor_lr + (peak_lr - floor_lr) * (1 + cos(pi * j / T)) / 2`` with
        ``j = step - warmup_steps`` and ``T = total_steps - warmup_steps``, and
        ``floor_lr`` after ``total_steps`` (where PyTorch's cosine would rise again).
    """
    _check_warmup_cosine_args(step, peak_lr, warmup_steps, total_steps, floor_lr,
                              start_factor)
    if step < warmup_steps:  # the peak is reached at step warmup_steps, not before
        return peak_lr * (start_factor + (1 - start_factor) * step / warmup_steps)
    j, t_max = min(step, total_steps) - warmup_steps, total_steps - warmup_steps
    return floor_lr + (peak_lr - floor_lr) * (1 + math.cos(math.pi * j / t_max)) / 2
# --8<-- [end:warmup_cosine]


# --8<-- [start:noise_floor]
def sgd_on_noisy_quadratic(w0, curvatures, lrs, *, batch_size, noise_std, rng):
    """Run SGD on a noisy quadratic and return the loss after every step.

    The loss is ``L(w) = 1/2 * sum(c_i * w_i**2)``. Each example's gradient is the
    true gradient ``c * w`` plus independent noise of standard deviation ``noise_std``
    per coordinate, so a mini-batch of ``batch_size`` examples has noise
    ``noise_std / sqrt(batch_size)``: the noisy quadratic model of Zhang et al. 2019.

    Parameters
    ----------
    w0 : ndarray of float, shape (d,) or (runs, d)
        Starting weights; each row is an independent run.
    curvatures : sequence of d floats > 0
        The Hessian's eigenvalues ``c_i``.
    lrs : sequence of floats >= 0
        The learning rate of every step, e.g. from :func:`step_decay`.
    batch_size : int >= 1
    noise_std : float >= 0
        Standard deviation of one example's gradient noise, per coordinate.
    rng : numpy.random.Generator

    Returns
    -------
    ndarray, shape (len(lrs) + 1,) or (len(lrs) + 1, runs)
        The loss before the first step and after every step.
    """
    w, c = _check_quadratic(w0, curvatures)
    lrs = _check_lrs(lrs)
    _check_int(batch_size, "batch_size", 1)
    _check_number(noise_std, "noise_std", low=0.0)
    _check_rng(rng)
    # The mean of batch_size independent noises has std noise_std / sqrt(batch_size).
    batch_noise = noise_std / math.sqrt(batch_size)
    losses = [0.5 * np.sum(c * w**2, axis=-1)]
    for lr in lrs:
        grad = c * w + batch_noise * rng.standard_normal(w.shape)
        w = w - lr * grad
        losses.append(0.5 * np.sum(c * w**2, axis=-1))
    return np.array(losses)


def sgd_expected_loss(w0, curvatures, lrs, *, batch_size, noise_std):
    """The exact expected loss of :func:`sgd_on_noisy_quadratic`, step by step.

    Per coordinate the mean follows ``m' = (1 - lr*c) m`` and the variance
    ``V' = (1 - lr*c)**2 V + lr**2 * noise_std**2 / B``, from ``m = w0`` and ``V = 0``;
    then ``E[L] = 1/2 sum c (m**2 + V)``.

    Parameters
    ----------
    w0 : ndarray of float, shape (d,)
    curvatures : sequence of d floats > 0
    lrs : sequence of floats >= 0
    batch_size : int >= 1
    noise_std : float >= 0

    Returns
    -------
    ndarray, shape (len(lrs) + 1,): ``E[L]`` before the first step and after every step.
    """
    m, c = _check_quadratic(w0, curvatures)
    if m.ndim != 1:
        raise ValueError(f"w0 must have shape (d,), got {m.shape}")
    lrs = _check_lrs(lrs)
    _check_int(batch_size, "batch_size", 1)
    _check_number(noise_std, "noise_std", low=0.0)
    m, v = m.astype(float), np.zeros(len(c))
    expected = [0.5 * np.sum(c * m**2)]
    for lr in lrs:
        m = (1 - lr * c) * m
        v = (1 - lr * c) ** 2 * v + lr**2 * noise_std**2 / batch_size
        expected.append(0.5 * np.sum(c * (m**2 + v)))
    return np.array(expected)


def sgd_noise_floor(lr, curvatures, *, batch_size, noise_std):
    """Expected loss at which SGD with a constant ``lr`` settles on the noisy quadratic.

    Per coordinate, ``w' = (1 - lr*c) w - lr*xi`` with ``Var(xi) = noise_std**2 / B``.
    A stationary variance ``V`` must satisfy ``V = (1 - lr*c)**2 V + lr**2 Var(xi)``,
    so ``V = lr * noise_std**2 / (B * c * (2 - lr*c))``, and ``E[L] = 1/2 sum c_i V_i``.

    Parameters
    ----------
    lr : float, 0 <= lr < 2 / max(curvatures)
        Constant learning rate; at or above ``2 / max(c)`` SGD diverges: no floor.
    curvatures : sequence of floats > 0
    batch_size : int >= 1
    noise_std : float >= 0
        Standard deviation of one example's gradient noise, per coordinate.

    Returns
    -------
    float
        ``lr * noise_std**2 / (2 * batch_size) * sum(1 / (2 - lr * c_i))``: to first
        order in ``lr``, ``lr / batch_size * noise_std**2 * d / 4`` (d coordinates).
    """
    _check_number(lr, "lr", low=0.0)
    c = _check_noisy_curvatures(curvatures)
    if lr * c.max() >= 2:
        limit = 2 / c.max()
        raise ValueError(f"lr must be below 2 / max(curvatures) = {limit}, got {lr}")
    _check_int(batch_size, "batch_size", 1)
    _check_number(noise_std, "noise_std", low=0.0)
    return float(lr * noise_std**2 / (2 * batch_size) * np.sum(1.0 / (2.0 - lr * c)))
# --8<-- [end:noise_floor]


def _check_quadratic(w0, curvatures):
    w = _check_float_array(w0, "w0")
    if w.ndim not in (1, 2):
        raise ValueError(f"w0 must have shape (d,) or (runs, d), got {w.shape}")
    return w, _check_noisy_curvatures(curvatures, w.shape[-1])


def _check_noisy_curvatures(curvatures, d=None):
    c = np.asarray(curvatures, dtype=float) if _is_numbers(curvatures) else None
    if c is None or c.ndim != 1 or c.size == 0 or (d is not None and c.size != d):
        count = (f"{d} numbers, one per coordinate of w0" if d
                 else "a sequence of numbers")
        raise ValueError(f"curvatures must be {count}, got {curvatures!r}")
    if not np.all(np.isfinite(c)) or not np.all(c > 0):
        raise ValueError(f"curvatures must be finite and > 0, got {c}")
    return c


def _check_lrs(lrs):
    if isinstance(lrs, (str, bytes, dict)) or not hasattr(lrs, "__iter__"):
        raise TypeError("lrs must be a sequence of learning rates, "
                        f"got {type(lrs).__name__}")
    lrs = [_check_number(lr, f"lrs[{k}]", low=0.0) for k, lr in enumerate(lrs)]
    if not lrs:
        raise ValueError("lrs must hold at least one learning rate, got none")
    return lrs


def _is_numbers(values):
    try:
        array = np.asarray(values)
    except (TypeError, ValueError):
        return False
    return array.dtype.kind in "if"


def _check_order(low, low_name, high, high_name):
    if not low <= high:
        raise ValueError(f"{low_name} must be <= {high_name}, got {low_name}={low} and "
                         f"{high_name}={high}")


def _check_clr_args(step, base_lr, max_lr, step_size, step_size_down, mode, gamma):
    _check_int(step, "step", 0)
    _check_number(base_lr, "base_lr", 0)
    _check_number(max_lr, "max_lr", 0)
    _check_int(step_size, "step_size", 1)
    if step_size_down is not None:
        _check_int(step_size_down, "step_size_down", 1)
    _check_choice(mode, "mode", ("triangular", "triangular2", "exp_range"))
    _check_number(gamma, "gamma", 0, 1, low_open=True)
    if mode != "exp_range" and gamma != 1:
        raise ValueError(f"gamma must be 1 unless mode='exp_range' (mode={mode!r} "
                         f"does not use it), got {gamma}")
    _check_order(base_lr, "base_lr", max_lr, "max_lr")


def _check_warmup_cosine_args(step, peak_lr, warmup_steps, total_steps, floor_lr,
                              start_factor):
    _check_int(step, "step", 0)
    _check_number(peak_lr, "peak_lr", 0)
    _check_int(warmup_steps, "warmup_steps", 1)
    _check_int(total_steps, "total_steps", 2)
    if total_steps <= warmup_steps:
        raise ValueError(f"total_steps must be > warmup_steps, got total_steps="
                         f"{total_steps} and warmup_steps={warmup_steps}")
    _check_number(floor_lr, "floor_lr", 0)
    _check_number(start_factor, "start_factor", 0, 1, low_open=True)
    _check_order(floor_lr, "floor_lr", peak_lr, "peak_lr")


def _check_one_cycle_args(step, total_steps, max_lr, pct_start, div_factor,
                          final_div_factor, anneal, three_phase, base_momentum,
                          max_momentum, cycle_momentum):
    _check_int(step, "step", 0)
    _check_int(total_steps, "total_steps", 2)
    if step >= total_steps:
        raise ValueError("step must be in [0, total_steps - 1] = "
                         f"[0, {total_steps - 1}], got {step}")
    _check_number(max_lr, "max_lr", 0, low_open=True)
    # pct_start = 1 would leave no steps to anneal
    _check_number(pct_start, "pct_start", 0, 1, low_open=True, high_open=True)
    _check_number(div_factor, "div_factor", 1)
    _check_number(final_div_factor, "final_div_factor", 1)
    _check_choice(anneal, "anneal", ("cos", "linear"))
    _check_bool(three_phase, "three_phase")
    _check_bool(cycle_momentum, "cycle_momentum")
    _check_number(max_momentum, "max_momentum", 0, 1, high_open=True)
    _check_number(base_momentum, "base_momentum", 0, 1, high_open=True)
    _check_order(base_momentum, "base_momentum", max_momentum, "max_momentum")
    if pct_start * total_steps <= 1:
        raise ValueError("pct_start * total_steps must be > 1 so the warm-up ends "
                         f"after step 0, got {pct_start} * {total_steps}")
    if three_phase and 2 * pct_start * total_steps >= total_steps + 1:
        raise ValueError("with three_phase, 2 * pct_start * total_steps must be "
                         "< total_steps + 1 so the annihilation phase is not empty, "
                         f"got pct_start={pct_start}, total_steps={total_steps}")


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


def _check_bool(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__}")
    return bool(value)


def _check_choice(value, name, choices):
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {choices}, got {type(value).__name__}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")
    return value


def _check_rng(rng):
    if not isinstance(rng, np.random.Generator):
        raise TypeError("rng must be a numpy.random.Generator "
                        f"(np.random.default_rng(seed)), got {type(rng).__name__}")


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
