"""keras.applications: every architecture built by real Keras 3 and by torchkeras, side by side.

Every architecture is compared on structure: layer names and classes, weight paths, shapes and trainability,
`count_params()`, the output shape and the `summary()` text -- at the full default size on the meta device (no
weight memory, no initialization cost), or at the minimum size with real weights. Numbers are compared for one
or two members of each family (every block type of every family): Keras writes its weights to a legacy `.h5`
(the layout of Keras's published ImageNet files, read by layer order) or a `.weights.h5`, torchkeras loads
them, and both predict on the same images. The largest models also run one forward pass at the minimum size.
"""
import contextlib
import gc
import io

import h5py
import numpy as np
import pytest

import keras
from keras.src.legacy.saving import legacy_h5_format

import torchkeras

# name -> smallest input size Keras accepts (the square side)
MIN_SIZE = {
    "ConvNeXtTiny": 32, "ConvNeXtSmall": 32, "ConvNeXtBase": 32, "ConvNeXtLarge": 32, "ConvNeXtXLarge": 32,
    "DenseNet121": 32, "DenseNet169": 32, "DenseNet201": 32,
    **{f"EfficientNetB{i}": 32 for i in range(8)},
    **{f"EfficientNetV2{v}": 32 for v in ("B0", "B1", "B2", "B3", "S", "M", "L")},
    "InceptionResNetV2": 75, "InceptionV3": 75, "MobileNet": 32, "MobileNetV2": 32, "MobileNetV3Small": 32,
    "MobileNetV3Large": 32, "NASNetMobile": 32, "NASNetLarge": 32, "ResNet50": 32, "ResNet101": 32,
    "ResNet152": 32, "ResNet50V2": 32, "ResNet101V2": 32, "ResNet152V2": 32, "VGG16": 32, "VGG19": 32,
    "Xception": 71,
}
ALL = sorted(MIN_SIZE)
# Numbers are compared for one or two members of each family (every block type of every family), at the
# minimum size, each in one of the configurations below, taken in turn.
NUMERIC = ["ConvNeXtTiny", "DenseNet121", "EfficientNetB0", "EfficientNetB1", "EfficientNetV2B0", "EfficientNetV2S",
           "InceptionResNetV2", "InceptionV3", "MobileNet", "MobileNetV2", "MobileNetV3Large", "MobileNetV3Small",
           "NASNetMobile", "ResNet50", "ResNet50V2", "VGG16", "VGG19", "Xception"]
CONFIGS = {"none": dict(include_top=False), "avg": dict(include_top=False, pooling="avg"),
           "max": dict(include_top=False, pooling="max"), "top": dict(include_top=True, classes=10)}
CONFIG_OF = {name: list(CONFIGS)[i % len(CONFIGS)] for i, name in enumerate(NUMERIC)}
# The others are compared at their full default size on the meta device; the largest of them (over 40M
# parameters) also run one forward pass at the minimum size.
STRUCTURAL = [name for name in ALL if name not in NUMERIC]
LARGE = ["ConvNeXtBase", "ConvNeXtLarge", "ConvNeXtXLarge", "EfficientNetB6", "EfficientNetB7", "EfficientNetV2M",
         "EfficientNetV2L", "NASNetLarge"]


def _keras_nasnet_mobile(**kwargs):
    """Keras refuses NASNetMobile on its torch backend; build the same network through its NASNet body."""
    from keras.src.applications import nasnet

    input_shape = kwargs.pop("input_shape", None)
    if not kwargs.get("include_top", True) and input_shape is None:
        input_shape = (224, 224, 3)
    return nasnet.NASNet(input_shape, penultimate_filters=1056, num_blocks=4, stem_block_filters=32,
                         skip_reduction=False, filter_multiplier=2, default_size=224, name="nasnet_mobile", **kwargs)


def build(lib, name, meta=False, **kwargs):
    """`name` built by `lib` (keras or torchkeras) from a fresh session, with random weights."""
    lib.backend.clear_session(free_memory=False)
    if lib is keras and name == "NASNetMobile":
        fn = _keras_nasnet_mobile
    else:
        fn = getattr(lib.applications, name)
    scope = lib.device("meta") if meta else contextlib.nullcontext()
    with scope:
        return fn(weights=None, **kwargs)


def summary(model):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        model.summary()
    return buf.getvalue()


def assert_same_structure(km, tm):
    assert tm.name == km.name
    assert [(l.name, type(l).__name__) for l in tm.layers] == [(l.name, type(l).__name__) for l in km.layers]
    assert [(w.path, tuple(w.shape), w.trainable) for w in tm.weights] == \
        [(w.path, tuple(w.shape), w.trainable) for w in km.weights]
    assert tm.count_params() == km.count_params()
    assert tuple(tm.output.shape) == tuple(km.output.shape)
    assert summary(tm) == summary(km)


def write_legacy_h5(model, path):
    """A weights-only HDF5 file in the Keras 2 layout (the layout of Keras's published ImageNet weights)."""
    with h5py.File(path, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, model)


def images(size, n=2, seed=0):
    return (np.random.RandomState(seed).rand(n, size, size, 3) * 255).astype("float32")


def assert_same_predictions(km, tm, x):
    expected = km.predict(x, verbose=0)
    got = tm.predict(x, verbose=0)
    assert got.shape == expected.shape
    scale = max(1.0, float(np.abs(expected).max()))
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5 * scale)


# --- numbers: Keras's weights through Keras's files ------------------------------------------------------------
@pytest.mark.parametrize("name", NUMERIC, ids=lambda n: f"{n}-{CONFIG_OF[n]}")
def test_predict_with_weights_from_keras_files(name, tmp_path):
    """Legacy `.h5` without the top (the layout of Keras's published `_notop` files), `.weights.h5` with it."""
    size = MIN_SIZE[name]
    config = CONFIGS[CONFIG_OF[name]]
    kwargs = dict(input_shape=(size, size, 3), **config)
    km = build(keras, name, **kwargs)
    tm = build(torchkeras, name, **kwargs)
    assert_same_structure(km, tm)
    if config["include_top"]:
        path = str(tmp_path / "model.weights.h5")
        km.save_weights(path)
    else:
        path = str(tmp_path / "weights.h5")
        write_legacy_h5(km, path)
    tm.load_weights(path)
    assert_same_predictions(km, tm, images(size))


@pytest.mark.parametrize("config", list(CONFIGS))
def test_every_top_and_pooling_through_both_formats(config, tmp_path):
    kwargs = dict(input_shape=(32, 32, 3), **CONFIGS[config])
    km = build(keras, "MobileNetV3Small", **kwargs)
    tm = build(torchkeras, "MobileNetV3Small", **kwargs)
    assert_same_structure(km, tm)
    x = images(32)
    write_legacy_h5(km, str(tmp_path / "weights.h5"))
    tm.load_weights(str(tmp_path / "weights.h5"))
    assert_same_predictions(km, tm, x)
    for w in tm.weights:
        w.assign(np.zeros(tuple(w.shape), "float32"))
    km.save_weights(str(tmp_path / "model.weights.h5"))
    tm.load_weights(str(tmp_path / "model.weights.h5"))
    assert_same_predictions(km, tm, x)


# --- structure at full size (meta device); one forward pass at the minimum size for the largest --------------
@pytest.mark.parametrize("name", STRUCTURAL)
def test_structure_at_default_size(name):
    km = build(keras, name, meta=True)
    tm = build(torchkeras, name, meta=True)
    assert_same_structure(km, tm)


@pytest.mark.parametrize("name", LARGE)
def test_large_model_forward_at_min_size(name):
    size = MIN_SIZE[name]
    expected = build(keras, name, meta=True, include_top=False, input_shape=(size, size, 3)).output.shape
    tm = build(torchkeras, name, include_top=False, input_shape=(size, size, 3))
    out = tm.predict(images(size, n=1), verbose=0)
    assert out.shape == (1,) + tuple(expected)[1:]
    assert np.isfinite(out).all()
    del tm
    gc.collect()


# --- argument variants: structure only (meta device) -----------------------------------------------------------
STRUCTURE_VARIANTS = [
    ("ResNet101V2", dict(include_top=True, classes=10, classifier_activation=None)),
    ("DenseNet169", dict(include_top=False, input_shape=(96, 128, 3))),
    ("MobileNet", dict(alpha=0.25, depth_multiplier=2, input_shape=(128, 128, 3))),
    ("MobileNet", dict(include_top=False, alpha=0.75, input_shape=(160, 160, 3), pooling="avg")),
    ("MobileNetV2", dict(alpha=1.4, input_shape=(96, 96, 3))),
    ("MobileNetV2", dict(alpha=0.35, include_top=False, pooling="max")),
    ("MobileNetV3Small", dict(minimalistic=True, alpha=0.75, include_preprocessing=False)),
    ("MobileNetV3Large", dict(include_top=False, pooling="avg", alpha=1.25, dropout_rate=0.0)),
    ("MobileNetV3Large", dict(minimalistic=True, input_shape=(96, 96, 3))),
    ("EfficientNetV2B1", dict(include_preprocessing=False)),
    ("EfficientNetV2S", dict(include_top=False, input_shape=(64, 64, 1))),
    ("ConvNeXtSmall", dict(include_top=False, pooling="max", include_preprocessing=False)),
    ("Xception", dict(classes=3, classifier_activation="sigmoid")),
]


@pytest.mark.parametrize("name,kwargs", STRUCTURE_VARIANTS, ids=lambda v: v if isinstance(v, str) else "")
def test_structure_of_argument_variants(name, kwargs):
    km = build(keras, name, meta=True, **kwargs)
    tm = build(torchkeras, name, meta=True, **kwargs)
    assert_same_structure(km, tm)
