"""Keras 2's ImageDataGenerator side by side with the tf.keras 2 code that real Keras 3 keeps as a legacy module
(`keras.src.legacy.preprocessing.image`, which resamples with SciPy): same transforms, statistics and seeded
batches."""
import os
import warnings

import pytest

import keras  # noqa: F401  (compat_tests/conftest.py skips when Keras is missing)
import numpy as np

pytest.importorskip("scipy")
from keras.src.legacy.preprocessing import image as k_image  # noqa: E402

from torchkeras.preprocessing import image as tk_image  # noqa: E402

RNG = np.random.default_rng(21)
AUGMENT = dict(rotation_range=35, width_shift_range=0.2, height_shift_range=3, shear_range=12, zoom_range=0.25,
               channel_shift_range=15.0, horizontal_flip=True, vertical_flip=True, brightness_range=(0.6, 1.4))


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _close(a, b, atol=1e-4):
    if isinstance(a, (tuple, list)):
        assert len(a) == len(b)
        for p, q in zip(a, b):
            _close(p, q, atol)
        return
    np.testing.assert_allclose(np.asarray(b, dtype="float64"), np.asarray(a, dtype="float64"), rtol=1e-5, atol=atol)


@pytest.mark.parametrize("fill_mode", ["constant", "nearest", "reflect", "wrap"])
@pytest.mark.parametrize("order", [0, 1])
@pytest.mark.parametrize("channels_first", [False, True])
def test_apply_affine_transform(fill_mode, order, channels_first):
    x = RNG.random((7, 9, 3)).astype("float32") * 255
    axes = dict(row_axis=0, col_axis=1, channel_axis=2)
    if channels_first:
        x = np.moveaxis(x, 2, 0)
        axes = dict(row_axis=1, col_axis=2, channel_axis=0)
    for params in (dict(theta=33), dict(tx=2.5, ty=-1.25), dict(shear=17), dict(zx=0.6, zy=1.4),
                   dict(theta=-50, tx=1, ty=2, shear=8, zx=1.1, zy=0.9), dict(theta=90), dict(tx=0.5, ty=0.5)):
        kw = dict(params, fill_mode=fill_mode, cval=5.0, order=order, **axes)
        _close(k_image.apply_affine_transform(x, **kw), tk_image.apply_affine_transform(x, **kw))


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_random_parameters_and_apply_transform(data_format):
    k_gen = k_image.ImageDataGenerator(data_format=data_format, fill_mode="reflect", **AUGMENT)
    t_gen = tk_image.ImageDataGenerator(data_format=data_format, fill_mode="reflect", **AUGMENT)
    shape = (8, 10, 3) if data_format == "channels_last" else (3, 8, 10)
    x = RNG.random(shape).astype("float32") * 255
    for seed in range(6):
        k_params, t_params = k_gen.get_random_transform(shape, seed=seed), t_gen.get_random_transform(shape, seed=seed)
        assert k_params.keys() == t_params.keys()
        for key in k_params:
            assert k_params[key] == pytest.approx(t_params[key]), key
        if data_format == "channels_last":  # Keras 2's brightness shift reads channels_last images only
            _close(k_gen.apply_transform(x.copy(), k_params), t_gen.apply_transform(x.copy(), t_params))
        else:
            k_params["brightness"] = t_params["brightness"] = None
            _close(k_gen.apply_transform(x.copy(), k_params), t_gen.apply_transform(x.copy(), t_params))


def test_fit_statistics_and_standardize():
    x = RNG.random((16, 5, 6, 3)).astype("float32") * 255
    for kw in (dict(featurewise_center=True, featurewise_std_normalization=True, rescale=1 / 255.0),
               dict(zca_whitening=True, zca_epsilon=1e-3),
               dict(samplewise_center=True, samplewise_std_normalization=True, rescale=0.5),
               dict(featurewise_center=True, rotation_range=20, zoom_range=0.1)):
        k_gen, t_gen = k_image.ImageDataGenerator(**kw), tk_image.ImageDataGenerator(**kw)
        augment = "rotation_range" in kw
        k_gen.fit(x, augment=augment, rounds=2, seed=3)
        t_gen.fit(x, augment=augment, rounds=2, seed=3)
        for attr in ("mean", "std", "zca_whitening_matrix"):
            a, b = getattr(k_gen, attr), getattr(t_gen, attr)
            assert (a is None) == (b is None), attr
            if a is not None:
                _close(a, b, atol=1e-5)
        _close(k_gen.standardize(x.copy()), t_gen.standardize(x.copy()), atol=1e-3)


def test_flow_seeded_batches_and_next():
    x = RNG.random((22, 6, 5, 3)).astype("float32") * 255
    y = np.arange(22) % 3
    kw = dict(AUGMENT, rescale=1 / 255.0, fill_mode="constant", cval=0.5)
    k_gen, t_gen = k_image.ImageDataGenerator(**kw), tk_image.ImageDataGenerator(**kw)
    k_it, t_it = k_gen.flow(x, y, batch_size=5, seed=9), t_gen.flow(x, y, batch_size=5, seed=9)
    assert len(k_it) == len(t_it) == 5
    for i in range(len(k_it)):  # first epoch, served in order: Keras 2's stream exactly
        _close(k_it[i], t_it[i])
    k_next, t_next = k_gen.flow(x, y, batch_size=8, seed=4), t_gen.flow(x, y, batch_size=8, seed=4)
    for _ in range(6):  # the generator protocol cycles over epochs, reseeding every batch
        _close(next(k_next), next(t_next))


def _images(root):
    from PIL import Image

    rows = []
    for c in ("ants", "bees", "wasps"):
        os.makedirs(os.path.join(root, c))
        for i in range(4):
            name = os.path.join(c, f"{i}.jpg" if i % 2 else f"{i}.png")
            Image.fromarray((RNG.random((10 + i, 9, 3)) * 255).astype("uint8")).save(os.path.join(root, name))
            rows.append((name, c))
    return rows


@pytest.mark.parametrize("class_mode", ["categorical", "binary", "sparse", "input", None])
def test_flow_from_directory(tmp_path, class_mode):
    _images(str(tmp_path))
    classes = ["ants", "bees"] if class_mode == "binary" else None
    kw = dict(target_size=(7, 8), class_mode=class_mode, classes=classes, batch_size=3, seed=2, subset="training",
              interpolation="bilinear", color_mode="rgba" if class_mode == "input" else "rgb")
    gen_kw = dict(rescale=1 / 255.0, rotation_range=15, horizontal_flip=True, validation_split=0.25)
    k_it = k_image.ImageDataGenerator(**gen_kw).flow_from_directory(str(tmp_path), **kw)
    t_it = tk_image.ImageDataGenerator(**gen_kw).flow_from_directory(str(tmp_path), **kw)
    assert k_it.filenames == t_it.filenames and k_it.class_indices == t_it.class_indices
    np.testing.assert_array_equal(k_it.classes, t_it.classes)
    for i in range(len(k_it)):
        _close(k_it[i], t_it[i])


def test_flow_from_dataframe(tmp_path):
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(_images(str(tmp_path)), columns=["filename", "class"])
    df["w"] = np.linspace(0.5, 2, len(df))
    for class_mode, y_col in (("categorical", "class"), ("sparse", "class"), ("raw", "w"), (None, "class")):
        kw = dict(directory=str(tmp_path), y_col=y_col, class_mode=class_mode, target_size=(6, 6), batch_size=5,
                  seed=8, weight_col="w" if class_mode == "sparse" else None)
        k_it = k_image.ImageDataGenerator(rescale=1 / 255.0, zoom_range=0.2).flow_from_dataframe(df, **kw)
        t_it = tk_image.ImageDataGenerator(rescale=1 / 255.0, zoom_range=0.2).flow_from_dataframe(df, **kw)
        for i in range(len(k_it)):
            _close(k_it[i], t_it[i])
