"""Data augmentation for batches of images of shape (N, H, W, C).

Show the network a slightly different version of each training image at every epoch:
mirrored, shifted by a few pixels, or with a little noise added. The label stays the
same *only if the transformation does not change what the label means*: mirroring a
"left arrow" makes a "right arrow", so the geometric transforms return what they did,
and :func:`remap_flipped_labels` swaps the labels of flipped images.

Every function keeps the batch's shape and dtype, draws all randomness from the ``rng``
argument and leaves its input unchanged. Apply augmentation to the training split only.

Conventions: channels last (N, H, W, C), as in NumPy and TensorFlow images; PyTorch
tensors are (N, C, H, W). The crop pads with zeros by default, like torchvision's
``RandomCrop(size, padding)``.

References: Krizhevsky, Sutskever and Hinton, "ImageNet Classification with Deep
Convolutional Neural Networks", NeurIPS 2012 (flips and crops); Shorten and
Khoshgoftaar, "A survey on Image Data Augmentation for Deep Learning", Journal of Big
Data 6, 2019.
"""

import numpy as np


# --8<-- [start:flip]
def random_horizontal_flip(images, rng, p=0.5):
    """Mirror each image left-right with probability ``p``, independently.

    Parameters
    ----------
    images : ndarray, shape (N, H, W, C), any numeric dtype
    rng : numpy.random.Generator
    p : float in [0, 1]
        Probability that an image is flipped.

    Returns
    -------
    out : ndarray, same shape and dtype as ``images`` (a new array)
    flipped : ndarray of bool, shape (N,)
        Which images were mirrored: pass it to :func:`remap_flipped_labels` when a label
        has a side.
    """
    images = _check_images(images)
    _check_number(p, "p", 0, 1)
    _check_rng(rng)
    flipped = rng.random(images.shape[0]) < p
    out = images.copy()
    out[flipped] = images[flipped, :, ::-1, :]  # axis 2 is the width
    return out, flipped
# --8<-- [end:flip]


# --8<-- [start:remap]
def remap_flipped_labels(labels, flipped, pairs):
    """Swap left/right labels of the images that were mirrored.

    Parameters
    ----------
    labels : ndarray of int, shape (N,)
        Class indices of the batch, before the flip.
    flipped : ndarray of bool, shape (N,)
        The mask returned by :func:`random_horizontal_flip`.
    pairs : dict {int: int}
        Classes that trade places under a mirror, e.g. ``{LEFT_ARROW: RIGHT_ARROW}``;
        each pair is applied in both directions. Classes not mentioned keep their label.

    Returns
    -------
    ndarray, shape (N,), dtype of ``labels`` (a new array)
    """
    labels = np.asarray(labels)
    if not np.issubdtype(labels.dtype, np.integer) or labels.ndim != 1:
        raise TypeError(f"labels must be a 1-D int array of class indices, got dtype "
                        f"{labels.dtype} and shape {labels.shape}")
    if labels.size == 0:
        raise ValueError("labels must not be empty, got shape (0,)")
    flipped = np.asarray(flipped)
    if flipped.dtype != np.bool_ or flipped.shape != labels.shape:
        raise ValueError(f"flipped must be a bool array of shape {labels.shape} from "
                         f"random_horizontal_flip, got dtype {flipped.dtype} "
                         f"and shape {flipped.shape}")
    mapping = _check_pairs(pairs)
    out = labels.copy()
    for a, b in mapping.items():
        out[flipped & (labels == a)] = b
    return out
# --8<-- [end:remap]


# --8<-- [start:crop]
def random_crop(images, rng, padding, pad_mode="constant"):
    """Pad each image by ``padding`` pixels on every side, then cut out an (H, W) window
    at random.

    The result is the image shifted by up to ``padding`` pixels in each direction, with
    the uncovered border filled with zeros (``pad_mode="constant"``) or mirrored pixels
    (``"reflect"``).

    Parameters
    ----------
    images : ndarray, shape (N, H, W, C), any numeric dtype
    rng : numpy.random.Generator
    padding : int >= 0
        0 returns a copy of ``images``. ``"reflect"`` needs ``padding < min(H, W)``.
    pad_mode : {"constant", "reflect"}

    Returns
    -------
    out : ndarray, same shape and dtype as ``images``
    offsets : ndarray of int, shape (N, 2)
        Top-left corner (row, column) of each window in the padded image; the content
        moved by ``padding - offsets`` pixels (down, right).
    """
    images = _check_images(images)
    _check_rng(rng)
    _check_int(padding, "padding", 0)
    n, h, w, _ = images.shape
    _check_choice(pad_mode, "pad_mode", ("constant", "reflect"))
    if pad_mode == "reflect" and padding >= min(h, w):
        raise ValueError(f"padding must be < min(H, W) = {min(h, w)} with "
                         f"pad_mode='reflect', got {padding}")
    padded = np.pad(images, ((0, 0), (padding, padding), (padding, padding), (0, 0)),
                    mode=pad_mode)
    offsets = rng.integers(0, 2 * padding + 1, size=(n, 2))
    out = np.empty_like(images)
    for i, (top, left) in enumerate(offsets):
        out[i] = padded[i, top:top + h, left:left + w, :]
    return out, offsets
# --8<-- [end:crop]


# --8<-- [start:noise]
def add_gaussian_noise(images, rng, std, clip=None):
    """Add independent Gaussian noise of standard deviation ``std`` to every pixel.

    Parameters
    ----------
    images : ndarray of float, shape (N, H, W, C)
    rng : numpy.random.Generator
    std : float >= 0
        In the units of the pixels (e.g. 0.05 for images scaled to [0, 1]). 0 returns a
        copy.
    clip : tuple (low, high) or None
        Clip the result to the valid pixel range, e.g. ``(0.0, 1.0)``.

    Returns
    -------
    ndarray, same shape and dtype as ``images``
    """
    images = _check_images(images)
    if not np.issubdtype(images.dtype, np.floating):
        raise TypeError("images must be a float array for additive noise, "
                        f"got dtype {images.dtype}; "
                        "convert with images.astype(np.float32) / 255")
    _check_rng(rng)
    _check_number(std, "std", 0)
    noise = rng.standard_normal(images.shape).astype(images.dtype, copy=False)
    out = images + images.dtype.type(std) * noise
    if clip is not None:
        low, high = _check_clip(clip)
        out = np.clip(out, images.dtype.type(low), images.dtype.type(high))
    return out
# --8<-- [end:noise]


def _check_images(images):
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError("images must be 4-D with shape (N, H, W, C), "
                         f"got shape {images.shape}")
    if not (np.issubdtype(images.dtype, np.number) and
            not np.issubdtype(images.dtype, np.complexfloating)):
        raise TypeError("images must be a real numeric array, "
                        f"got dtype {images.dtype}")
    if images.size == 0:
        raise ValueError(f"images must not be empty, got shape {images.shape}")
    if np.issubdtype(images.dtype, np.floating) and not np.all(np.isfinite(images)):
        raise ValueError("images must be finite, got NaN or inf")
    return images


def _check_pairs(pairs):
    if not isinstance(pairs, dict) or not pairs:
        raise TypeError("pairs must be a non-empty dict {class: mirrored class}, "
                        f"got {pairs!r}")
    mapping = {}
    for a, b in pairs.items():
        if not all(isinstance(c, (int, np.integer)) and not isinstance(c, bool)
                   for c in (a, b)):
            raise TypeError("pairs must map int classes to int classes, "
                            f"got {a!r}: {b!r}")
        for src, dst in ((int(a), int(b)), (int(b), int(a))):
            if mapping.get(src, dst) != dst:
                raise ValueError("pairs must give each class one partner, got class "
                                 f"{src} in two pairs of {pairs!r}")
            mapping[src] = dst
    return mapping


def _check_clip(clip):
    if not isinstance(clip, (tuple, list)) or len(clip) != 2:
        raise TypeError(f"clip must be a (low, high) tuple or None, got {clip!r}")
    low = _check_number(clip[0], "clip[0]")
    high = _check_number(clip[1], "clip[1]")
    if not low < high:
        raise ValueError(f"clip must have low < high, got {clip!r}")
    return low, high


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
