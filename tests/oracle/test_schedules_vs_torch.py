"""snippets/schedules.py against torch.optim.lr_scheduler, every step of whole runs.

Convention: our ``step`` is the number of ``scheduler.step()`` calls made so far, so ``f(k)`` is the
learning rate PyTorch's optimizer holds for the ``k``-th update (``k = 0`` is the value set when the
scheduler is built). Differences in PyTorch's API: ``StepLR(step_size, gamma)`` is our ``every, drop``;
``CyclicLR`` cycles momentum too by default, so it runs with ``cycle_momentum=False`` and only the rate is
compared; ``OneCycleLR`` accepts one step past the end (extrapolating the last phase), we stop at
``total_steps - 1``. Tolerance: rtol 1e-12 (atol 1e-15 for rates near zero), float64.
"""

import numpy as np
import pytest

from snippets.schedules import one_cycle, sgdr, step_decay, triangular_clr, warmup_cosine

RTOL, ATOL = 1e-12, 1e-15


def _run(torch, make_scheduler, n_steps, lr=0.1):
    """The (lr, momentum) the optimizer holds before each of ``n_steps`` updates."""
    param = torch.nn.Parameter(torch.zeros(3))
    optimizer = torch.optim.SGD([param], lr=lr, momentum=0.9)
    scheduler = make_scheduler(optimizer)
    lrs, momenta = [], []
    for _ in range(n_steps):
        group = optimizer.param_groups[0]
        lrs.append(group["lr"])
        momenta.append(group["momentum"])
        optimizer.step()  # no gradient: a no-op, called only so the scheduler does not warn about order
        scheduler.step()
    return np.array(lrs), np.array(momenta)


@pytest.mark.parametrize(("lr0", "drop", "every"), [(0.1, 0.5, 7), (1.0, 0.1, 30), (0.3, 0.97, 1)])
def test_step_decay_matches_steplr(torch, lr0, drop, every):
    n = 500
    theirs, _ = _run(torch, lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=every, gamma=drop), n,
                     lr=lr0)
    ours = [step_decay(k, lr0=lr0, drop=drop, every=every) for k in range(n)]
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize(("base_lr", "max_lr", "step_size"), [(0.001, 0.006, 20), (0.01, 0.1, 1),
                                                              (0.0, 1.0, 13)])
def test_triangular_clr_matches_cycliclr(torch, base_lr, max_lr, step_size):
    n = 20 * step_size + 7
    theirs, _ = _run(torch, lambda o: torch.optim.lr_scheduler.CyclicLR(
        o, base_lr=base_lr, max_lr=max_lr, step_size_up=step_size, mode="triangular",
        cycle_momentum=False), n)
    ours = [triangular_clr(k, base_lr=base_lr, max_lr=max_lr, step_size=step_size) for k in range(n)]
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=ATOL)


CLR_CASES = {
    "triangular2 symmetric": dict(mode="triangular2", step_size=10, step_size_down=None, gamma=1.0),
    "triangular2 up 7 down 3": dict(mode="triangular2", step_size=7, step_size_down=3, gamma=1.0),
    "triangular2 up 2 down 11": dict(mode="triangular2", step_size=2, step_size_down=11, gamma=1.0),
    "exp_range symmetric": dict(mode="exp_range", step_size=10, step_size_down=None, gamma=0.99),
    "exp_range up 5 down 12": dict(mode="exp_range", step_size=5, step_size_down=12, gamma=0.995),
    "exp_range up 1 down 1": dict(mode="exp_range", step_size=1, step_size_down=1, gamma=0.9),
    "triangular up 9 down 4": dict(mode="triangular", step_size=9, step_size_down=4, gamma=1.0),
}


@pytest.mark.parametrize("case", CLR_CASES.values(), ids=CLR_CASES.keys())
def test_clr_modes_match_cycliclr_over_several_cycles(torch, case):
    """Separating cases: unequal halves (a bug that uses step_size for both halves shows at the
    first peak), triangular2's halving per *cycle* and exp_range's gamma per *step* (a per-cycle
    gamma, or a cycle counted from 0, is off from the first or second cycle on). PyTorch's
    ``gamma ** last_epoch`` counts steps from the start, as ours does."""
    up, down = case["step_size"], case["step_size_down"]
    n = 6 * (up + (down or up)) + 5  # six cycles and part of a seventh
    theirs, _ = _run(torch, lambda o: torch.optim.lr_scheduler.CyclicLR(
        o, base_lr=0.01, max_lr=0.1, step_size_up=up, step_size_down=down, mode=case["mode"],
        gamma=case["gamma"], cycle_momentum=False), n)
    ours = [triangular_clr(k, base_lr=0.01, max_lr=0.1, **case) for k in range(n)]
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=ATOL)
    peaks = np.array([ours[c * (up + (down or up)) + up] for c in range(6)])
    if case["mode"] == "triangular2":  # not vacuous: the peaks halve above base_lr
        np.testing.assert_allclose(np.diff(np.log(peaks - 0.01)), np.log(0.5), rtol=1e-10)
    elif case["mode"] == "exp_range":
        assert np.all(np.diff(peaks) < 0)


@pytest.mark.parametrize(("T_0", "T_mult", "eta_min"), [(10, 1, 0.0), (10, 2, 1e-4), (1, 3, 0.0),
                                                        (7, 3, 0.002), (50, 1, 0.01)])
def test_sgdr_matches_cosineannealingwarmrestarts(torch, T_0, T_mult, eta_min):
    n = 1000
    theirs, _ = _run(torch, lambda o: torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(
        o, T_0=T_0, T_mult=T_mult, eta_min=eta_min), n, lr=0.1)
    ours = [sgdr(k, lr_max=0.1, T_0=T_0, T_mult=T_mult, eta_min=eta_min) for k in range(n)]
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=ATOL)


def test_sgdr_follows_the_step_by_step_path_not_the_epoch_argument(torch):
    """PyTorch's step(epoch) computes the period with a float log and misses the restart at 121
    (T_0=1, T_mult=3); its step-by-step path (compared above) and ours restart there."""
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=1.0)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(optimizer, T_0=1, T_mult=3)
    scheduler.step(121)
    assert optimizer.param_groups[0]["lr"] == 0.0
    assert sgdr(121, lr_max=1.0, T_0=1, T_mult=3) == 1.0


@pytest.mark.parametrize("three_phase", [False, True], ids=["two-phase", "three-phase"])
@pytest.mark.parametrize("anneal", ["cos", "linear"])
@pytest.mark.parametrize(("total_steps", "pct_start", "div_factor", "final_div_factor"), [
    (100, 0.3, 25.0, 1e4),     # PyTorch's defaults; the warm-up ends on step 29
    (1000, 0.25, 10.0, 100.0),
    (37, 0.3, 25.0, 1e4),      # pct_start * total_steps - 1 = 10.1: the peak falls between two steps
])
def test_one_cycle_matches_onecyclelr(torch, three_phase, anneal, total_steps, pct_start, div_factor,
                                      final_div_factor):
    theirs_lr, theirs_momentum = _run(torch, lambda o: torch.optim.lr_scheduler.OneCycleLR(
        o, max_lr=0.5, total_steps=total_steps, pct_start=pct_start, anneal_strategy=anneal,
        div_factor=div_factor, final_div_factor=final_div_factor, three_phase=three_phase,
        base_momentum=0.85, max_momentum=0.95), total_steps)
    ours = [one_cycle(k, total_steps=total_steps, max_lr=0.5, pct_start=pct_start, div_factor=div_factor,
                      final_div_factor=final_div_factor, anneal=anneal, three_phase=three_phase)
            for k in range(total_steps)]
    np.testing.assert_allclose([lr for lr, _ in ours], theirs_lr, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose([m for _, m in ours], theirs_momentum, rtol=RTOL, atol=ATOL)


def test_one_cycle_cycles_adams_beta1_like_sgd_momentum(torch):
    """With Adam, OneCycleLR cycles betas[0]; our momentum value is the same number."""
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.Adam([param], lr=0.1)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.01, total_steps=60)
    for k in range(60):
        lr, beta1 = one_cycle(k, total_steps=60, max_lr=0.01)
        np.testing.assert_allclose(optimizer.param_groups[0]["lr"], lr, rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(optimizer.param_groups[0]["betas"][0], beta1, rtol=RTOL, atol=ATOL)
        optimizer.step()
        scheduler.step()


# ----- warm-up + cosine: LinearLR then CosineAnnealingLR in SequentialLR
#
# PyTorch 2.13's SequentialLR, at the milestone step, restarts the second scheduler at its own step 0
# (``scheduler._update_lr(0)``): the cosine's T_max counts from the milestone, so the decay ends at
# milestone + T_max, and the rate at the milestone is the peak (LinearLR's last value, one step
# before, is still below it: no step is spent twice at the peak). Beyond milestone + T_max PyTorch's
# cosine rises again (period 2 T_max); ours stays at the floor: compared up to total_steps only, and
# the difference after it is shown below.


def _torch_warmup_cosine(torch, peak, warmup, total, floor, start_factor, n):
    def make(o):
        warm = torch.optim.lr_scheduler.LinearLR(o, start_factor=start_factor, end_factor=1.0,
                                                 total_iters=warmup)
        cosine = torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=total - warmup, eta_min=floor)
        return torch.optim.lr_scheduler.SequentialLR(o, [warm, cosine], milestones=[warmup])
    return _run(torch, make, n, lr=peak)[0]


WARMUP_CASES = [(0.1, 5, 25, 0.001, 0.1), (3e-4, 100, 1000, 0.0, 1 / 3), (1.0, 1, 2, 0.0, 0.5),
                (0.05, 37, 400, 1e-4, 0.01), (0.2, 10, 11, 0.02, 1.0)]


@pytest.mark.parametrize(("peak", "warmup", "total", "floor", "start_factor"), WARMUP_CASES)
def test_warmup_cosine_matches_linearlr_then_cosineannealinglr(torch, peak, warmup, total, floor,
                                                               start_factor):
    theirs = _torch_warmup_cosine(torch, peak, warmup, total, floor, start_factor, total + 1)
    ours = [warmup_cosine(k, peak_lr=peak, warmup_steps=warmup, total_steps=total, floor_lr=floor,
                          start_factor=start_factor) for k in range(total + 1)]
    # PyTorch updates both phases recursively (lr *= ratio), so it drifts from the closed form by
    # rounding: about 1e-16 relative per step, 1e-13 after 1000 steps
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15 * peak)
    assert theirs[warmup] == pytest.approx(peak, rel=1e-12)      # the peak at the milestone
    assert theirs[warmup - 1] < peak or start_factor == 1.0      # and not one step earlier
    assert theirs[total] == pytest.approx(floor, abs=1e-12 * peak)  # the floor at total_steps


def test_past_total_steps_torchs_cosine_rises_again_and_ours_stays_at_the_floor(torch):
    peak, warmup, total, floor = 0.1, 5, 25, 0.001
    theirs = _torch_warmup_cosine(torch, peak, warmup, total, floor, 0.1, total + 20)
    ours = [warmup_cosine(k, peak_lr=peak, warmup_steps=warmup, total_steps=total, floor_lr=floor,
                          start_factor=0.1) for k in range(total + 20)]
    assert theirs[total + 10] == pytest.approx((peak + floor) / 2, rel=1e-9)  # half-way back up
    np.testing.assert_array_equal(ours[total:], floor)


def test_t_max_set_to_total_steps_in_torch_misses_the_floor(torch):
    """Regression for the usual mistake: T_max=total_steps instead of total_steps - warmup_steps,
    forgetting that SequentialLR restarts the cosine's count at the milestone."""
    peak, warmup, total = 0.1, 100, 500
    wrong = _torch_warmup_cosine(torch, peak, warmup, total + warmup, 0.0, 0.1, total + 1)
    # about 10% of the peak left at the end of training: (1 + cos(0.8 pi)) / 2 = 0.095
    assert wrong[total] == pytest.approx(peak * (1 + np.cos(0.8 * np.pi)) / 2, rel=1e-9)
    assert 0.09 < wrong[total] / peak < 0.1
    assert warmup_cosine(total, peak_lr=peak, warmup_steps=warmup, total_steps=total) == 0.0
