"""Shared fixtures: a seeded rng, the PyTorch reference, the built site (tests/helpers.py: a tiny MLP).

Under CI (CI=true), the PyTorch oracle must run: a missing torch fails instead of skipping.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import settings

# Property tests draw the same examples on every run, so a failure in CI reproduces locally.
settings.register_profile("field-guide", derandomize=True, deadline=None, max_examples=50)
settings.load_profile("field-guide")

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

# The engine comparison builds the whole site a second time, with Zensical: `make test-engines` runs it
# (ZENSICAL set). Left out of `make test` instead of skipped there, so a skip never counts as a pass.
collect_ignore = [] if os.environ.get("ZENSICAL") else ["site/test_engines.py"]


@pytest.fixture
def rng():
    """A fresh, seeded Generator per test: tests never share random state."""
    return np.random.default_rng(20180702)


@pytest.fixture
def torch():
    """The PyTorch module in float64, or a skip when torch is absent (a failure in CI)."""
    try:
        import torch as torch_module
    except ImportError:
        if IN_CI:
            pytest.fail("torch==2.13.0 is not installed, but CI must run the oracle tests")
        # Outside CI the oracle is optional: report it as skipped, with how to install it.
        torch_module = pytest.importorskip(
            "torch", reason="torch not installed: pip install torch==2.13.0 to run the oracle tests")
    torch_module.set_default_dtype(torch_module.float64)
    # The oracle problems are tiny: one thread avoids contention with the rest of the suite (and on 2 cores).
    torch_module.set_num_threads(1)
    return torch_module


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "oracle" in item.path.parts:
            item.add_marker(pytest.mark.oracle)
        if "site" in item.path.parts:
            item.add_marker(pytest.mark.site)
        if "browser" in item.path.parts:
            item.add_marker(pytest.mark.browser)
    # The tests that need the built site run last, and the build starts now, in another process: it
    # draws the figures and executes the notebooks (about 80 s from a fresh clone) while the unit,
    # property and oracle tests use the other core. The order of the other tests is unchanged.
    needs_site = [item for item in items if "built_site" in getattr(item, "fixturenames", ())]
    if needs_site:
        later = set(needs_site)
        items[:] = [item for item in items if item not in later] + needs_site
        _SITE_BUILD.start()


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# The one build that the site and browser tests share is built as it is published: at a sub-path of
# another host, with a repository. The browser tests serve it at that same sub-path on 127.0.0.1, so a
# link or asset that assumes the site sits at a server's root fails there.
PUBLISHED = {
    "SITE_URL": "https://example.github.io/dl-field-guide/",
    "REPO_URL": "https://github.com/example/dl-field-guide",
}


# The engine that builds it: MkDocs, ProperDocs (its drop-in fork) with SITE_ENGINE=properdocs, or
# Zensical through the pipeline (pipeline/zensical.py) with SITE_ENGINE=zensical.
SITE_ENGINE = os.environ.get("SITE_ENGINE", "mkdocs")
if SITE_ENGINE not in ("mkdocs", "properdocs", "zensical"):
    raise pytest.UsageError(f"SITE_ENGINE={SITE_ENGINE!r}: expected mkdocs, properdocs or zensical")


class _SiteBuild:
    """``mkdocs build --strict`` as published, started once collection knows a test needs the site."""

    def __init__(self):
        self.process = None
        self.site_dir = None
        self.log = None

    def start(self):
        import subprocess
        import sys
        import tempfile

        if self.process is not None:
            return
        self.site_dir = tempfile.mkdtemp(prefix="field-guide-site-")
        self.log = tempfile.TemporaryFile(mode="w+")
        env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", **PUBLISHED}
        env.pop("EDIT_URI", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pipeline", "zensical", self.site_dir] if SITE_ENGINE == "zensical" else
            [sys.executable, "-m", SITE_ENGINE, "build", "--strict", "--site-dir", self.site_dir],
            cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT, text=True, env=env)

    def wait(self):
        import pathlib

        if self.process is None:  # a test asked for the site outside a normal collection
            self.start()
        if self.process.wait() != 0:
            self.log.seek(0)
            pytest.fail(f"mkdocs build --strict failed:\n{self.log.read()}")
        return pathlib.Path(self.site_dir)

    def stop(self):
        import shutil

        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.site_dir:
            shutil.rmtree(self.site_dir, ignore_errors=True)


_SITE_BUILD = _SiteBuild()


def pytest_unconfigure(config):
    _SITE_BUILD.stop()


@pytest.fixture(scope="session")
def built_site():
    """The site built once per test session with ``mkdocs build --strict`` as published (PUBLISHED);
    returns its directory. The build started in the background after collection."""
    return _SITE_BUILD.wait()
