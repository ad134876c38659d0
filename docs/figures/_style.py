"""Shared look of the build-time figures: a light and a dark style, and the saver.

The build hook draws each figure inside ``context(style)``, so every text, axis and line drawn by a
figure function takes that style's colours without the function having to pass them around.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

STYLES = {
    # Okabe-Ito colours: colour-blind safe, readable on white and on Material's slate background.
    "light": {"name": "light", "fg": "#1f2328", "muted": "#6e7781", "grid": "#d0d7de", "bg": "#ffffff",
              "palette": ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9"],
              "cmap": "viridis", "diverging": "RdBu_r"},
    "dark": {"name": "dark", "fg": "#e6edf3", "muted": "#9198a1", "grid": "#3d444d", "bg": "#1e2129",
             "palette": ["#56B4E9", "#E69F00", "#009E73", "#F0E442", "#CC79A7", "#D55E00"],
             "cmap": "magma", "diverging": "RdBu_r"},
}


def context(style):
    """A matplotlib rc context that applies ``style``'s colours to everything drawn inside it."""
    return plt.rc_context({
        "text.color": style["fg"], "axes.labelcolor": style["fg"], "axes.edgecolor": style["muted"],
        "axes.titlecolor": style["fg"], "xtick.color": style["fg"], "ytick.color": style["fg"],
        "axes.prop_cycle": matplotlib.cycler(color=style["palette"]), "grid.color": style["grid"],
        "axes.grid": True, "grid.linewidth": 0.6, "font.size": 10, "legend.frameon": False,
        "axes.facecolor": "none", "figure.facecolor": "none", "image.cmap": style["cmap"],
        "svg.hashsalt": "dl-field-guide", "svg.fonttype": "path",
    })


def subplots(nrows=1, ncols=1, width=7.0, height=3.6, **kwargs):
    """``plt.subplots`` at the site's default size, with constrained layout."""
    return plt.subplots(nrows, ncols, figsize=(width, height), layout="constrained", **kwargs)


def save(fig, path):
    """Write ``fig`` as SVG with a transparent background and no timestamp (reproducible output)."""
    fig.savefig(path, format="svg", transparent=True, metadata={"Date": None})
    plt.close(fig)
