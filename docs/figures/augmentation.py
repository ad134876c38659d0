"""Figure for the data-augmentation page: one synthetic image, augmented by each transform."""

import numpy as np
from _style import subplots

from snippets.augmentation import add_gaussian_noise, random_crop, random_horizontal_flip


def _scene(size=32):
    """A small RGB picture with a left-right asymmetry, so that flips and shifts are visible:
    a sky gradient, a sun at the top left, a green hill, and a red arrow pointing right."""
    rows, cols = np.mgrid[0:size, 0:size] / (size - 1)
    img = np.empty((size, size, 3))
    img[...] = np.stack([0.35 + 0.3 * rows, 0.55 + 0.3 * rows, np.full_like(rows, 0.9)], axis=-1)
    sun = (rows - 0.2) ** 2 + (cols - 0.22) ** 2 < 0.02
    img[sun] = [1.0, 0.85, 0.2]
    hill = rows > 0.75 - 0.25 * np.sin(np.pi * cols) * (1 - cols)
    img[hill] = [0.2, 0.6, 0.25]
    shaft = (np.abs(rows - 0.5) < 0.05) & (cols > 0.35) & (cols < 0.8)
    head = (cols >= 0.7) & (cols < 0.92) & (np.abs(rows - 0.5) < 0.9 * (0.92 - cols))
    img[shaft | head] = [0.85, 0.15, 0.1]
    return img.astype(np.float32)


def figure_augmentation_samples(style):
    rng = np.random.default_rng(7)
    n = 6
    batch = np.repeat(_scene()[None], n, axis=0)
    flipped, was_flipped = random_horizontal_flip(batch, rng, p=0.5)
    cropped, offsets = random_crop(batch, rng, padding=4)
    noisy = add_gaussian_noise(batch, rng, std=0.1, clip=(0.0, 1.0))
    combined, _ = random_horizontal_flip(batch, rng, p=0.5)
    combined, _ = random_crop(combined, rng, padding=4)
    combined = add_gaussian_noise(combined, rng, std=0.05, clip=(0.0, 1.0))
    rows = [
        ("flip, p=0.5", flipped, ["flipped" if f else "as is" for f in was_flipped]),
        ("crop, padding 4", cropped, [f"{4 - r:+d} down, {4 - c:+d} right" for r, c in offsets]),
        ("noise, std 0.1", noisy, [""] * n),
        ("all three", combined, [""] * n),
    ]
    fig, axes = subplots(len(rows), n + 1, width=8.4, height=6.0)
    for r, (title, images, captions) in enumerate(rows):
        axes[r, 0].imshow(batch[0], interpolation="nearest")
        axes[r, 0].set_title("original" if r == 0 else "", fontsize=8)
        axes[r, 0].set_ylabel(title, fontsize=9)
        for i in range(n):
            axes[r, i + 1].imshow(images[i], interpolation="nearest")
            axes[r, i + 1].set_title(captions[i], fontsize=7)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
        for spine in ax.spines.values():
            spine.set_visible(False)
    return fig
