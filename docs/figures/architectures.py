"""Figure for the architectures page: the weights of four ways to map C channels to C channels
with a 3x3 view, counted by the convolution snippet's ``conv2d_param_count``."""

import numpy as np
from _style import subplots

from snippets.convolution import conv2d_param_count


# --8<-- [start:counts]
def block_weights(channels, k=3):
    """Weights (no biases) of four blocks from C to C channels with a k x k view;
    the bottlenecks reduce to C / 4, as in ResNet-50 and Inception."""
    c, r = channels, channels // 4

    def conv(c_in, c_out, kernel, groups=1):
        return conv2d_param_count(c_in, c_out, kernel, groups=groups, bias=False)

    return {
        f"standard {k}×{k}": conv(c, c, k),
        f"1×1 reduce, {k}×{k} (Inception)": conv(c, r, 1) + conv(r, c, k),
        f"1×1–{k}×{k}–1×1 (ResNet)": conv(c, r, 1) + conv(r, r, k) + conv(r, c, 1),
        f"depthwise {k}×{k} + 1×1 (Xception)": conv(c, c, k, groups=c) + conv(c, c, 1),
    }
# --8<-- [end:counts]


CHANNELS = (64, 128, 256, 512)


def figure_block_weights(style):
    counts = {c: block_weights(c) for c in CHANNELS}
    names = list(counts[CHANNELS[0]])
    fig, ax = subplots(width=7.5, height=3.6)
    x = np.arange(len(CHANNELS))
    width = 0.2
    for i, name in enumerate(names):
        values = [counts[c][name] for c in CHANNELS]
        ax.bar(x + (i - 1.5) * width, values, width, label=name, color=style["palette"][i])
    ax.set_yscale("log")
    ax.set_xticks(x, [f"C = {c}" for c in CHANNELS])
    ax.set_ylabel("weights (log scale)")
    ax.set_title("Weights of a block from C to C channels with a 3×3 view")
    ax.legend(fontsize=8, loc="upper left")
    return fig
