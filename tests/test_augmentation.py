"""Tests of snippets/augmentation.py: what each transform does to pixels, probabilities, label remapping,
shape/dtype, seeds and bad input."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from snippets.augmentation import (
    add_gaussian_noise,
    random_crop,
    random_horizontal_flip,
    remap_flipped_labels,
)

LEFT, RIGHT, UP = 0, 1, 2


def _batch(rng, n=6, h=5, w=7, c=3, dtype=np.float32):
    return rng.random((n, h, w, c)).astype(dtype)


def _arrow(direction):
    """A 7x7 one-channel arrow: a horizontal shaft with its head on the left or on the right."""
    img = np.zeros((7, 7, 1), np.float32)
    img[3, 1:6, 0] = 1.0
    head = 1 if direction == LEFT else 5
    step = 1 if direction == LEFT else -1
    img[2, head + step, 0] = img[4, head + step, 0] = 1.0
    return img


# ----- flip ---------------------------------------------------------------------------------------


def test_flipped_images_are_mirrored_along_the_width_and_others_untouched(rng):
    images = _batch(rng, n=40)
    out, flipped = random_horizontal_flip(images, rng, p=0.5)
    np.testing.assert_array_equal(out[flipped], images[flipped][:, :, ::-1, :])
    np.testing.assert_array_equal(out[~flipped], images[~flipped])
    assert 0 < flipped.sum() < 40


def test_flip_probability_is_p(rng):
    images = np.zeros((20_000, 1, 2, 1), np.float32)
    _, flipped = random_horizontal_flip(images, rng, p=0.3)
    assert abs(flipped.mean() - 0.3) < 5 * np.sqrt(0.3 * 0.7 / 20_000)


def test_flip_with_p_zero_or_one(rng):
    images = _batch(rng)
    out, flipped = random_horizontal_flip(images, rng, p=0.0)
    np.testing.assert_array_equal(out, images)
    assert not flipped.any()
    out, flipped = random_horizontal_flip(images, rng, p=1.0)
    np.testing.assert_array_equal(out, images[:, :, ::-1, :])
    assert flipped.all()


def test_flip_mirrors_left_right_not_up_down(rng):
    """Regression: flipping axis 1 (height) turns a photo upside down, which is a different transform."""
    image = np.arange(6, dtype=np.float32).reshape(1, 2, 3, 1)
    out, _ = random_horizontal_flip(image, rng, p=1.0)
    np.testing.assert_array_equal(out[0, :, :, 0], [[2, 1, 0], [5, 4, 3]])


def test_flip_without_label_remapping_mislabels_left_right_classes(rng):
    """Regression (Karpathy's recipe): a mirrored left arrow *is* a right arrow. Keeping the label after
    the flip trains on wrong labels; remapping the flipped images' labels makes every label true again."""
    images = np.stack([_arrow(LEFT), _arrow(RIGHT), _arrow(LEFT), _arrow(RIGHT)])
    labels = np.array([LEFT, RIGHT, LEFT, RIGHT])
    out, flipped = random_horizontal_flip(images, rng, p=1.0)
    prototypes = {LEFT: _arrow(LEFT), RIGHT: _arrow(RIGHT)}

    def true_label(img):
        return next(k for k, proto in prototypes.items() if np.array_equal(img, proto))

    actual = np.array([true_label(img) for img in out])
    assert np.all(actual != labels)  # the unmapped labels are all wrong
    np.testing.assert_array_equal(remap_flipped_labels(labels, flipped, {LEFT: RIGHT}), actual)


def test_remapping_swaps_only_flipped_images_and_named_classes():
    labels = np.array([LEFT, RIGHT, UP, LEFT, RIGHT, UP])
    flipped = np.array([True, True, True, False, False, False])
    np.testing.assert_array_equal(remap_flipped_labels(labels, flipped, {RIGHT: LEFT}),
                                  [RIGHT, LEFT, UP, LEFT, RIGHT, UP])
    np.testing.assert_array_equal(labels, [LEFT, RIGHT, UP, LEFT, RIGHT, UP])  # input unchanged


# ----- crop ---------------------------------------------------------------------------------------


def test_crop_is_a_shifted_window_of_the_zero_padded_image(rng):
    images = _batch(rng, n=10)
    pad = 2
    out, offsets = random_crop(images, rng, padding=pad)
    padded = np.pad(images, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    for i, (top, left) in enumerate(offsets):
        np.testing.assert_array_equal(out[i], padded[i, top:top + 5, left:left + 7])
    assert offsets.min() >= 0 and offsets.max() <= 2 * pad


def test_crop_offsets_cover_every_shift(rng):
    _, offsets = random_crop(np.zeros((2000, 4, 4, 1), np.float32), rng, padding=1)
    assert {tuple(o) for o in offsets} == {(r, c) for r in range(3) for c in range(3)}


def test_centred_crop_is_the_identity_and_padding_zero_too(rng):
    images = _batch(rng)
    out, offsets = random_crop(images, rng, padding=0)
    np.testing.assert_array_equal(out, images)
    np.testing.assert_array_equal(offsets, 0)
    out, offsets = random_crop(images, rng, padding=3)
    centred = np.all(offsets == 3, axis=1)
    np.testing.assert_array_equal(out[centred], images[centred])


def test_reflect_padding_has_no_black_border(rng):
    images = rng.uniform(0.5, 1.0, size=(50, 6, 6, 2))
    out, _ = random_crop(images, rng, padding=2, pad_mode="reflect")
    assert out.min() >= 0.5
    out, offsets = random_crop(images, rng, padding=2)
    shifted = np.any(offsets != 2, axis=1)
    assert np.all(out[shifted].min(axis=(1, 2, 3)) == 0)


# ----- noise --------------------------------------------------------------------------------------


def test_noise_has_mean_zero_and_the_requested_std(rng):
    images = np.full((100, 16, 16, 3), 0.5)
    out = add_gaussian_noise(images, rng, std=0.1)
    noise = out - images
    n = noise.size
    assert abs(noise.mean()) < 5 * 0.1 / np.sqrt(n)
    assert abs(noise.std() - 0.1) < 5 * 0.1 / np.sqrt(2 * n)


def test_noise_is_clipped_to_the_pixel_range(rng):
    out = add_gaussian_noise(np.full((10, 4, 4, 1), 0.95), rng, std=0.5, clip=(0.0, 1.0))
    assert out.min() >= 0.0 and out.max() <= 1.0 and out.max() == 1.0


def test_zero_noise_is_the_identity(rng):
    images = _batch(rng)
    np.testing.assert_array_equal(add_gaussian_noise(images, rng, std=0.0), images)


# ----- shape, dtype, seeds, inputs unchanged -------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.uint8])
def test_shape_and_dtype_are_kept(rng, dtype):
    images = (_batch(rng, dtype=np.float64) * 255).astype(dtype)
    transforms = [lambda x: random_horizontal_flip(x, rng)[0], lambda x: random_crop(x, rng, 2)[0]]
    if dtype != np.uint8:
        transforms.append(lambda x: add_gaussian_noise(x, rng, 0.1))
    for transform in transforms:
        out = transform(images)
        assert out.shape == images.shape and out.dtype == dtype


def test_inputs_are_not_modified(rng):
    images = _batch(rng)
    copy = images.copy()
    random_horizontal_flip(images, rng, p=1.0)
    random_crop(images, rng, 2)
    add_gaussian_noise(images, rng, 0.3, clip=(0.0, 1.0))
    np.testing.assert_array_equal(images, copy)


def test_same_seed_gives_the_same_augmentation():
    images = _batch(np.random.default_rng(0))

    def run(seed):
        rng = np.random.default_rng(seed)
        x, _ = random_horizontal_flip(images, rng)
        x, _ = random_crop(x, rng, 2)
        return add_gaussian_noise(x, rng, 0.1)

    np.testing.assert_array_equal(run(5), run(5))
    assert not np.array_equal(run(5), run(6))


@given(
    shape=st.tuples(st.integers(1, 4), st.integers(1, 6), st.integers(1, 6), st.integers(1, 3)),
    padding=st.integers(0, 4),
    p=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_transforms_keep_the_pixel_multiset_or_zeros(shape, padding, p, seed):
    rng = np.random.default_rng(seed)
    images = rng.uniform(1.0, 2.0, size=shape).astype(np.float32)
    out, flipped = random_horizontal_flip(images, rng, p)
    assert out.shape == shape and flipped.shape == (shape[0],)
    np.testing.assert_array_equal(np.sort(out, axis=None), np.sort(images, axis=None))
    out, offsets = random_crop(images, rng, padding)
    assert out.shape == shape and offsets.shape == (shape[0], 2)
    kept = out[out != 0]
    assert np.all(np.isin(kept, images))  # every non-zero pixel comes from the image


# ----- bad input ----------------------------------------------------------------------------------

ALL = [
    lambda x, rng: random_horizontal_flip(x, rng),
    lambda x, rng: random_crop(x, rng, 1),
    lambda x, rng: add_gaussian_noise(x, rng, 0.1),
]


@pytest.mark.parametrize("transform", ALL)
@pytest.mark.parametrize("shape", [(4, 4, 3), (2, 4, 4, 3, 1)])
def test_images_that_are_not_nhwc_are_rejected(transform, shape, rng):
    with pytest.raises(ValueError, match=r"images must be 4-D with shape \(N, H, W, C\)"):
        transform(np.zeros(shape, np.float32), rng)


@pytest.mark.parametrize("transform", ALL)
def test_non_finite_images_are_rejected(transform, rng):
    images = np.zeros((1, 2, 2, 1))
    images[0, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match=r"\bimages must be finite"):
        transform(images, rng)
    with pytest.raises(ValueError, match=r"\bimages must be finite"):
        transform(images.astype(np.float32), rng)


@pytest.mark.parametrize("transform", ALL)
def test_legacy_global_rng_is_rejected(transform):
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        transform(np.zeros((1, 2, 2, 1)), np.random)


@pytest.mark.parametrize("transform", ALL)
@pytest.mark.parametrize("dtype", [bool, np.complex128])
def test_non_numeric_images_are_rejected(transform, dtype, rng):
    with pytest.raises(TypeError, match="real numeric array"):
        transform(np.zeros((1, 2, 2, 1), dtype=dtype), rng)


@pytest.mark.parametrize("p", [-0.1, 1.1, float("nan")])
def test_flip_probability_outside_range_is_rejected(p, rng):
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\]"):
        random_horizontal_flip(np.zeros((1, 2, 2, 1)), rng, p)
    with pytest.raises(TypeError, match="p must be a number"):
        random_horizontal_flip(np.zeros((1, 2, 2, 1)), rng, "0.5")


def test_bad_crop_arguments_are_rejected(rng):
    images = np.zeros((1, 4, 4, 1))
    with pytest.raises(ValueError, match="padding must be an integer >= 0"):
        random_crop(images, rng, -1)
    with pytest.raises(TypeError, match="padding must be an int"):
        random_crop(images, rng, 1.5)
    with pytest.raises(ValueError, match="pad_mode must be"):
        random_crop(images, rng, 1, pad_mode="wrap")
    with pytest.raises(ValueError, match=r"padding must be < min\(H, W\) = 4"):
        random_crop(images, rng, 4, pad_mode="reflect")


def test_bad_noise_arguments_are_rejected(rng):
    images = np.zeros((1, 2, 2, 1))
    with pytest.raises(ValueError, match=r"std must be in \[0, inf\)"):
        add_gaussian_noise(images, rng, -0.1)
    with pytest.raises(ValueError, match=r"std must be in \[0, inf\)"):
        add_gaussian_noise(images, rng, float("inf"))
    with pytest.raises(TypeError, match="std must be a number"):
        add_gaussian_noise(images, rng, None)
    with pytest.raises(TypeError, match=r"float array for additive noise.*images\.astype\(np\.float32\)"):
        add_gaussian_noise(images.astype(np.uint8), rng, 0.1)
    with pytest.raises(ValueError, match="clip must have low < high"):
        add_gaussian_noise(images, rng, 0.1, clip=(1.0, 0.0))
    with pytest.raises(TypeError, match="clip must be a"):
        add_gaussian_noise(images, rng, 0.1, clip=1.0)


def test_bad_remap_arguments_are_rejected():
    labels, flipped = np.array([0, 1]), np.array([True, False])
    with pytest.raises(TypeError, match="labels must be a 1-D int array"):
        remap_flipped_labels(labels.astype(float), flipped, {0: 1})
    with pytest.raises(ValueError, match="flipped must be a bool array"):
        remap_flipped_labels(labels, np.array([1, 0]), {0: 1})
    with pytest.raises(ValueError, match="flipped must be a bool array"):
        remap_flipped_labels(labels, np.array([True]), {0: 1})
    with pytest.raises(TypeError, match="pairs must be a non-empty dict"):
        remap_flipped_labels(labels, flipped, {})
    with pytest.raises(TypeError, match="pairs must map int classes"):
        remap_flipped_labels(labels, flipped, {"left": "right"})
    with pytest.raises(ValueError, match="got class 1 in two pairs"):
        remap_flipped_labels(labels, flipped, {0: 1, 2: 1})


def test_clip_to_a_single_value_is_rejected(rng):
    with pytest.raises(ValueError, match="clip must have low < high"):
        add_gaussian_noise(np.zeros((1, 2, 2, 1)), rng, 0.1, clip=(0.5, 0.5))


def test_type_errors_name_the_type_received(rng):
    images = np.zeros((1, 4, 4, 1))
    with pytest.raises(TypeError, match="got str"):
        random_horizontal_flip(images, rng, "0.5")
    with pytest.raises(TypeError, match="got module"):
        random_horizontal_flip(images, np.random)
    with pytest.raises(TypeError, match="got float"):
        random_crop(images, rng, 1.5)
    with pytest.raises(TypeError, match="got str"):
        add_gaussian_noise(images, rng, "0.1")
