"""`keras.preprocessing.image`: ImageDataGenerator, its iterators and the NumPy transforms.

The resampling reproduces `scipy.ndimage.affine_transform` (Keras 2's implementation), checked against SciPy
itself; the random streams are seedable and stay deterministic with a worker pool."""
import os
import warnings

import numpy as np
import pytest

import torchkeras
from torchkeras.preprocessing import image
from torchkeras.utils.affine_sampling import affine_transform_planes

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("mode", ["constant", "nearest", "reflect", "wrap"])
@pytest.mark.parametrize("order", [0, 1])
def test_resampling_matches_scipy_ndimage(mode, order):
    ndimage = pytest.importorskip("scipy.ndimage")
    for trial in range(40):
        h, w = RNG.integers(1, 9, 2)
        planes = (RNG.standard_normal((2, h, w)) * 40 + 100).astype("float32" if trial % 2 else "uint8")
        matrix = RNG.uniform(-2, 2, (2, 2))
        offset = RNG.uniform(-5, 5, 2)
        if trial % 3 == 0:  # half-integer coordinates: the rounding ties
            matrix, offset = np.round(matrix * 2) / 2, np.round(offset * 2) / 2
        expected = np.stack([ndimage.affine_transform(p, matrix, offset, order=order, mode=mode, cval=-7.0)
                             for p in planes])
        got = affine_transform_planes(planes, matrix, offset, order=order, mode=mode, cval=-7.0)
        assert got.dtype == expected.dtype
        np.testing.assert_allclose(got.astype(float), expected.astype(float), rtol=1e-6, atol=1e-4)


def test_apply_affine_transform_is_keras2s_transform():
    ndimage = pytest.importorskip("scipy.ndimage")
    x = RNG.random((6, 7, 3)).astype("float32") * 255
    out = image.apply_affine_transform(x, theta=90, row_axis=0, col_axis=1, channel_axis=2, fill_mode="constant")
    assert out.shape == x.shape
    # Keras 2: the rotation matrix about the centre, axes swapped for (row, col) indexing, through SciPy
    t = np.deg2rad(90)
    m = np.array([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1]])
    o = np.array([[1, 0, 6 / 2 - 0.5], [0, 1, 7 / 2 - 0.5], [0, 0, 1]])
    m = o @ m @ np.linalg.inv(o)
    m = m[[1, 0, 2]][:, [1, 0, 2]]
    expected = np.stack([ndimage.affine_transform(x[..., c], m[:2, :2], m[:2, 2], order=1, mode="constant")
                         for c in range(3)], -1)
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-4)
    assert image.apply_affine_transform(x, row_axis=0, col_axis=1, channel_axis=2) is x  # identity: unchanged
    shifted = image.apply_affine_transform(x, tx=1, row_axis=0, col_axis=1, channel_axis=2, fill_mode="nearest")
    # tf.keras swaps the matrix's axes before SciPy (its "x, y" convention), so `tx` moves columns
    np.testing.assert_allclose(shifted[:, :-1], x[:, 1:], rtol=1e-6)
    with pytest.raises(ValueError, match="multi-channel 2D images"):
        image.apply_affine_transform(x[..., 0], theta=3)


def test_channel_brightness_flip():
    x = RNG.random((4, 5, 3)).astype("float32") * 100
    shifted = image.apply_channel_shift(x, 20.0, 2)
    np.testing.assert_allclose(shifted, np.clip(x + 20.0, x.min(), x.max()))
    darker = image.apply_brightness_shift(x, 0.5, scale=False)
    assert darker.shape == x.shape and darker.mean() < x.mean()
    np.testing.assert_array_equal(image.ImageDataGenerator().apply_transform(x, {"flip_horizontal": True}),
                                  x[:, ::-1])
    for fn, args in ((image.random_rotation, (30,)), (image.random_shift, (0.2, 0.2)), (image.random_shear, (20,)),
                     (image.random_zoom, ((0.8, 1.2),)), (image.random_channel_shift, (10.0,)),
                     (image.random_brightness, ((0.5, 1.5),))):
        np.random.seed(3)
        first = fn(x, *args) if fn is not image.random_channel_shift else fn(x, *args, 2)
        np.random.seed(3)
        again = fn(x, *args) if fn is not image.random_channel_shift else fn(x, *args, 2)
        np.testing.assert_array_equal(first, again)  # NumPy's global stream, as in Keras 2


def test_random_transform_parameters_and_seeds():
    gen = image.ImageDataGenerator(rotation_range=30, width_shift_range=0.1, height_shift_range=[1, 2],
                                   shear_range=10, zoom_range=(0.9, 1.1), horizontal_flip=True, vertical_flip=True,
                                   channel_shift_range=5.0, brightness_range=(0.8, 1.2))
    params = gen.get_random_transform((8, 10, 3), seed=1)
    assert set(params) == {"theta", "tx", "ty", "shear", "zx", "zy", "flip_horizontal", "flip_vertical",
                           "channel_shift_intensity", "brightness"}
    assert abs(params["tx"]) in (1, 2) and abs(params["ty"]) <= 1.0 and abs(params["theta"]) <= 30
    assert params == gen.get_random_transform((8, 10, 3), seed=1)
    x = RNG.random((8, 10, 3)).astype("float32")
    np.testing.assert_array_equal(gen.random_transform(x, seed=5), gen.random_transform(x, seed=5))
    with pytest.raises(ValueError, match="zoom_range"):
        image.ImageDataGenerator(zoom_range=(1, 2, 3))
    with pytest.raises(ValueError, match="validation_split"):
        image.ImageDataGenerator(validation_split=1.5)
    with pytest.warns(UserWarning, match="overrides setting of `featurewise_center`"):
        image.ImageDataGenerator(featurewise_std_normalization=True)


def test_fit_and_standardize():
    x = RNG.random((10, 4, 5, 3)).astype("float32") * 255
    gen = image.ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True, rescale=1 / 255.0)
    gen.fit(x)
    scaled = x / 255.0
    np.testing.assert_allclose(gen.mean.reshape(-1), scaled.mean((0, 1, 2)), rtol=1e-5)
    np.testing.assert_allclose(gen.std.reshape(-1), scaled.std((0, 1, 2)), rtol=1e-4)
    out = gen.standardize(x.copy())
    np.testing.assert_allclose(out.mean((0, 1, 2)), 0, atol=1e-5)
    zca = image.ImageDataGenerator(zca_whitening=True)
    zca.fit(x)
    whitened = zca.standardize(x.copy()).reshape(10, -1)
    assert zca.principal_components is zca.zca_whitening_matrix and whitened.shape == (10, 60)
    sample = image.ImageDataGenerator(samplewise_center=True, samplewise_std_normalization=True,
                                      preprocessing_function=lambda v: v * 2)
    one = sample.standardize(x[0].copy())
    assert abs(one.mean()) < 1e-4 and abs(one.std() - 1) < 1e-3
    with pytest.warns(UserWarning, match="hasn't been fit"):
        image.ImageDataGenerator(featurewise_center=True).standardize(x[0].copy())
    with pytest.raises(ValueError, match="rank 4"):
        gen.fit(x[0])


def test_flow_batches_labels_subsets_and_seeds(tmp_path):
    x = RNG.random((20, 6, 6, 3)).astype("float32")
    y = np.arange(20) % 2
    weights = np.arange(20, dtype="float32")
    gen = image.ImageDataGenerator(rotation_range=20, horizontal_flip=True, validation_split=0.25)
    flow = gen.flow(x, y, batch_size=6, sample_weight=weights, seed=3, subset="training")
    assert len(flow) == 3 and flow.n == 15
    bx, by, bw = flow[0]
    assert bx.shape == (6, 6, 6, 3) and bx.dtype == np.float32 and by.shape == (6,) and bw.shape == (6,)
    np.testing.assert_array_equal(by, y[5:][bw.astype(int) - 5])
    again = gen.flow(x, y, batch_size=6, sample_weight=weights, seed=3, subset="training")
    np.testing.assert_array_equal(again[0][0], bx)
    assert len(gen.flow(x, y, subset="validation")) == 1
    extra = gen.flow([x, np.arange(20)], y, batch_size=4, shuffle=False)
    (images, misc), labels = extra[1]
    np.testing.assert_array_equal(misc, [4, 5, 6, 7])
    save_dir = tmp_path / "aug"
    save_dir.mkdir()
    gen.flow(x, batch_size=3, save_to_dir=str(save_dir), save_prefix="aug", save_format="png")[0]
    assert sorted(p.split("_")[0] for p in os.listdir(save_dir)) == ["aug"] * 3
    unseeded = next(gen.flow(x, batch_size=4))
    assert unseeded.shape == (4, 6, 6, 3)  # no labels: arrays only
    with pytest.raises(ValueError, match="different number of classes"):
        gen.flow(x, np.sort(y), subset="training")


def test_seeded_iterator_is_deterministic_with_a_worker_pool():
    x = RNG.random((24, 5, 5, 1)).astype("float32")
    gen = image.ImageDataGenerator(rotation_range=40, zoom_range=0.2, width_shift_range=0.2)
    serial = gen.flow(x, batch_size=4, seed=11)
    expected = [[serial[i] for i in range(len(serial))]]
    serial.on_epoch_end()
    expected.append([serial[i] for i in range(len(serial))])
    assert not np.array_equal(expected[0][0], expected[1][0])  # a new epoch, a new shuffle
    from concurrent.futures import ThreadPoolExecutor

    parallel = gen.flow(x, batch_size=4, seed=11)
    for epoch in range(2):
        with ThreadPoolExecutor(4) as pool:
            got = list(pool.map(parallel.__getitem__, reversed(range(len(parallel)))))[::-1]
        for a, b in zip(got, expected[epoch]):
            np.testing.assert_array_equal(a, b)
        parallel.on_epoch_end()


def _write_images(root, classes=("cats", "dogs"), per_class=3):
    from PIL import Image

    paths = []
    for c in classes:
        os.makedirs(os.path.join(root, c, "nested"), exist_ok=True)
        for i in range(per_class):
            rel = os.path.join(c, "nested" if i == 0 else "", f"{i}.png")
            Image.fromarray((RNG.random((9 + i, 11, 3)) * 255).astype("uint8")).save(os.path.join(root, rel))
            paths.append((os.path.normpath(rel), c))
    with open(os.path.join(root, classes[0], "readme.txt"), "w") as f:
        f.write("not an image")
    return paths


@pytest.mark.parametrize("class_mode", ["categorical", "binary", "sparse", "input", None])
def test_flow_from_directory(tmp_path, class_mode):
    _write_images(str(tmp_path))
    gen = image.ImageDataGenerator(rescale=1 / 255.0)
    it = gen.flow_from_directory(str(tmp_path), target_size=(8, 7), class_mode=class_mode, batch_size=4, seed=1,
                                 color_mode="grayscale", interpolation="bilinear")
    assert it.class_indices == {"cats": 0, "dogs": 1} and it.samples == 6 and len(it) == 2
    np.testing.assert_array_equal(it.classes, [0, 0, 0, 1, 1, 1])
    assert all(f.endswith(".png") for f in it.filenames) and it.filepaths[0].startswith(str(tmp_path))
    batch = it[0]
    images = batch[0] if isinstance(batch, tuple) else batch
    assert images.shape == (4, 8, 7, 1) and 0 <= images.min() and images.max() <= 1
    if class_mode == "categorical":
        assert batch[1].shape == (4, 2) and set(batch[1].sum(1)) == {1.0}
    elif class_mode in ("binary", "sparse"):
        assert batch[1].shape == (4,)
    elif class_mode == "input":
        np.testing.assert_array_equal(batch[1], images)
    else:
        assert not isinstance(batch, tuple)


def test_flow_from_directory_subsets_and_fit(tmp_path):
    _write_images(str(tmp_path), per_class=4)
    gen = image.ImageDataGenerator(rescale=1 / 255.0, validation_split=0.25, rotation_range=10)
    train = gen.flow_from_directory(str(tmp_path), target_size=(6, 6), batch_size=3, subset="training", seed=0)
    val = gen.flow_from_directory(str(tmp_path), target_size=(6, 6), batch_size=3, subset="validation", seed=0)
    assert train.samples == 6 and val.samples == 2 and not set(train.filenames) & set(val.filenames)
    model = torchkeras.Sequential([torchkeras.Input((6, 6, 3)), torchkeras.layers.Flatten(),
                                   torchkeras.layers.Dense(2, activation="softmax")])
    model.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    train.workers = 2
    history = model.fit(train, validation_data=val, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and "val_loss" in history.history
    with pytest.raises(ValueError, match="Invalid class_mode"):
        gen.flow_from_directory(str(tmp_path), class_mode="other")
    with pytest.raises(ValueError, match="Invalid color mode"):
        gen.flow_from_directory(str(tmp_path), color_mode="cmyk")


def test_flow_from_dataframe(tmp_path):
    pd = pytest.importorskip("pandas")
    rows = _write_images(str(tmp_path))
    df = pd.DataFrame(rows + [("missing.png", "cats")], columns=["filename", "class"])
    df["weight"] = np.arange(len(df), dtype="float64")
    df["score"] = np.linspace(0, 1, len(df))
    gen = image.ImageDataGenerator(rescale=1 / 255.0)
    with pytest.warns(UserWarning, match="1 invalid image filename"):
        it = gen.flow_from_dataframe(df, str(tmp_path), target_size=(5, 5), batch_size=4, shuffle=False,
                                     weight_col="weight", class_mode="sparse")
    assert it.samples == 6 and it.class_indices == {"cats": 0, "dogs": 1}
    bx, by, bw = it[0]
    np.testing.assert_array_equal(by, [0, 0, 0, 1]) and np.testing.assert_array_equal(bw, [0, 1, 2, 3])
    raw = gen.flow_from_dataframe(df, str(tmp_path), y_col="score", class_mode="raw", target_size=(5, 5),
                                  shuffle=False, batch_size=6, validate_filenames=False)
    assert raw.samples == 7
    multi = gen.flow_from_dataframe(df.iloc[:6], str(tmp_path), y_col=["score", "weight"], class_mode="multi_output",
                                    target_size=(5, 5), shuffle=False, batch_size=2)
    _, (scores, weights) = multi[1]
    np.testing.assert_allclose(scores, df["score"].values[2:4]) and np.testing.assert_array_equal(weights, [2, 3])
    with pytest.raises(TypeError, match="y_col must be a list"):
        gen.flow_from_dataframe(df, str(tmp_path), class_mode="multi_output")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match='class_mode="binary" there must be 2 classes'):
            gen.flow_from_dataframe(df.assign(**{"class": ["a", "b", "c"] * 2 + ["a"]}), str(tmp_path),
                                    class_mode="binary")


def test_generator_warns_once_with_the_modern_spelling(fresh_warnings):
    with pytest.warns(DeprecationWarning, match=r"Use `the preprocessing layers \(keras\.layers\.RandomRotation"):
        image.ImageDataGenerator()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        image.ImageDataGenerator()


def test_flow_from_directory_follows_links_on_request(tmp_path):
    data = tmp_path / "data"
    _write_images(str(tmp_path / "elsewhere"), classes=("cats",))
    (data / "cats").mkdir(parents=True)
    try:
        os.symlink(tmp_path / "elsewhere" / "cats" / "nested", data / "cats" / "linked")
    except OSError:
        pytest.skip("symbolic links are not available here")
    gen = image.ImageDataGenerator()
    assert gen.flow_from_directory(str(data), target_size=(4, 4)).samples == 0
    assert gen.flow_from_directory(str(data), target_size=(4, 4), follow_links=True).samples == 1
