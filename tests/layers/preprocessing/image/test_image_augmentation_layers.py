"""The image preprocessing and augmentation layers on their own: shapes, dtypes, training-only randomness,
seeds, dict inputs, channels_first, properties of each transform, configs and errors."""
import json

import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers as L

RNG = np.random.default_rng(0)
IMAGES = (RNG.random((6, 12, 10, 3)) * 255).astype("float32")


def _np(x):
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


# (name, args, kwargs): every layer, built with a seed where it takes one.
LAYERS = [
    ("RandomFlip", (), {}), ("RandomRotation", (0.2,), {}), ("RandomZoom", (0.3,), {}),
    ("RandomTranslation", (0.2, 0.2), {}), ("RandomContrast", (0.5,), {}), ("RandomCrop", (6, 7), {}),
    ("RandomBrightness", (0.3,), {}), ("RandomHue", (0.4,), {}), ("RandomSaturation", (0.4,), {}),
    ("RandomGrayscale", (0.5,), {}), ("RandomShear", (0.3, 0.3), {}), ("RandomPerspective", (), {}),
    ("RandomElasticTransform", (), {}), ("RandomErasing", (), {}), ("RandomGaussianBlur", (), {}),
    ("RandomSharpness", (0.6,), {}), ("RandomPosterization", (5,), {}), ("RandomInvert", (0.5,), {}),
    ("RandomColorJitter", (), {"brightness_factor": 0.2, "contrast_factor": 0.2, "saturation_factor": 0.3,
                               "hue_factor": 0.2}),
    ("RandomColorDegeneration", (0.5,), {}), ("Solarization", (0.2, 0.5), {}), ("MixUp", (), {}), ("CutMix", (), {}),
    ("AugMix", (), {}), ("RandAugment", (), {}),
]
DETERMINISTIC = [("Equalization", (), {}), ("AutoContrast", (), {}),
                 ("ContrastLimitedAdaptiveHistogramEqualization", (), {"tile_grid_size": (3, 2)}),
                 ("Resizing", (5, 6), {}), ("CenterCrop", (5, 6), {}), ("MaxNumBoundingBoxes", (3,), {})]


def _make(spec, **extra):
    name, args, kwargs = spec
    return getattr(L, name)(*args, **dict(kwargs, **extra))


@pytest.mark.parametrize("spec", LAYERS, ids=[s[0] for s in LAYERS])
def test_random_layers_training_inference_and_seeds(spec):
    layer = _make(spec, seed=3)
    out = _np(layer(IMAGES, training=True))
    expected_shape = (6, 6, 7, 3) if spec[0] == "RandomCrop" else IMAGES.shape
    assert out.shape == expected_shape and out.dtype == np.float32
    # Identity at inference (Keras's behaviour for every random layer, RandomCrop included).
    np.testing.assert_allclose(_np(layer(IMAGES, training=False)), IMAGES, rtol=1e-6)
    # The same seed gives the same draws; a layer's successive calls draw anew.
    again = _make(spec, seed=3)
    np.testing.assert_allclose(_np(again(IMAGES, training=True)), out, rtol=1e-6, atol=1e-4)
    draws = [_np(layer(IMAGES, training=True)) for _ in range(4)]
    assert any(not np.allclose(d, out) for d in draws)
    # A single image is a batch of one.
    single = _np(layer(IMAGES[0], training=True))
    assert single.shape == expected_shape[1:]


def test_unseeded_layers_follow_set_random_seed():
    keras.utils.set_random_seed(5)
    first = _np(L.RandomRotation(0.3)(IMAGES))
    keras.utils.set_random_seed(5)
    np.testing.assert_allclose(_np(L.RandomRotation(0.3)(IMAGES)), first, atol=1e-5)


@pytest.mark.parametrize("spec", LAYERS + DETERMINISTIC, ids=[s[0] for s in LAYERS + DETERMINISTIC])
def test_channels_first_is_the_transposed_channels_last(spec):
    if spec[0] in ("RandomElasticTransform",):
        pytest.skip("its noise field is drawn per layout")
    extra = {} if spec in DETERMINISTIC else {"seed": 9}
    if spec[0] == "RandomErasing":
        extra["fill_value"] = 7.0  # (the default noise fill is drawn in the layout's shape)
    last = _make(spec, **extra)
    first = _make(spec, data_format="channels_first", **extra)
    a = _np(last(IMAGES, training=True))
    b = _np(first(np.transpose(IMAGES, (0, 3, 1, 2)), training=True))
    np.testing.assert_allclose(np.transpose(b, (0, 2, 3, 1)), a, atol=2e-3)


@pytest.mark.parametrize("spec", LAYERS + DETERMINISTIC, ids=[s[0] for s in LAYERS + DETERMINISTIC])
def test_configs_round_trip(spec):
    layer = _make(spec) if spec in DETERMINISTIC else _make(spec, seed=4)
    config = json.loads(json.dumps(layer.get_config()))
    rebuilt = type(layer).from_config(config)
    assert json.loads(json.dumps(rebuilt.get_config())) == config
    assert config["data_format"] == "channels_last"
    again = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
    assert json.loads(json.dumps(again.get_config())) == config


@pytest.mark.parametrize("spec", LAYERS + DETERMINISTIC, ids=[s[0] for s in LAYERS + DETERMINISTIC])
def test_symbolic_shapes(spec):
    out = _make(spec)(keras.Input((12, 10, 3)))
    expected = {"RandomCrop": (None, 6, 7, 3), "Resizing": (None, 5, 6, 3), "CenterCrop": (None, 5, 6, 3)}
    assert tuple(out.shape) == expected.get(spec[0], (None, 12, 10, 3))


def test_random_layers_in_fit_and_predict():
    model = keras.Sequential([
        keras.Input((12, 10, 3)), L.Rescaling(1 / 255.0), L.RandomCrop(10, 8, seed=1), L.RandomFlip(seed=1),
        L.RandomBrightness(0.1, value_range=(0, 1), seed=1), L.RandomShear(0.1, 0.1, seed=1),
        L.RandomErasing(0.5, value_range=(0, 1), seed=1), L.RandAugment(value_range=(0, 1), seed=1),
        L.Flatten(), L.Dense(2)])
    model.compile("adam", "mse")
    history = model.fit(IMAGES, np.zeros((6, 2), "float32"), epochs=2, batch_size=3, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    # RandomCrop keeps its input at inference (as in Keras), so predict needs inputs of the cropped size.
    crop_free = keras.Sequential([keras.Input((12, 10, 3)), L.RandomFlip(seed=1), L.RandomRotation(0.2, seed=1)])
    np.testing.assert_allclose(crop_free.predict(IMAGES, verbose=0), IMAGES, rtol=1e-6)


def _boxes():
    return {"boxes": np.array([[[1, 2, 6, 9], [0, 0, 3, 3]]] * 6, "float32"),
            "labels": np.array([[1, 2]] * 6, "int32")}


def test_dict_inputs_carry_labels_boxes_and_masks():
    masks = (IMAGES[..., :1] > 128).astype("uint8")
    data = {"images": IMAGES, "labels": np.eye(6, dtype="float32"), "bounding_boxes": _boxes(),
            "segmentation_masks": masks}
    out = L.RandomFlip("horizontal", seed=2, bounding_box_format="xyxy")(dict(data))
    flipped = np.all(_np(out["images"]) == IMAGES[:, :, ::-1], axis=(1, 2, 3))
    kept = np.all(_np(out["images"]) == IMAGES, axis=(1, 2, 3))
    assert np.all(flipped | kept) and flipped.any()
    # The masks and the boxes follow their own image.
    out_masks = _np(out["segmentation_masks"])
    np.testing.assert_array_equal(out_masks[flipped], masks[flipped][:, :, ::-1].astype("float32"))
    boxes = _np(out["bounding_boxes"]["boxes"])
    np.testing.assert_allclose(boxes[flipped][:, 0], [[10 - 6, 2, 10 - 1, 9]] * int(flipped.sum()), atol=1e-5)
    np.testing.assert_allclose(boxes[kept][:, 0], [[1, 2, 6, 9]] * int(kept.sum()), atol=1e-5)
    np.testing.assert_array_equal(_np(out["labels"]), np.eye(6))
    # Unbatched dicts work the same way.
    single = L.RandomRotation(0.1, seed=1, bounding_box_format="xyxy")(
        {"images": IMAGES[0], "bounding_boxes": {"boxes": _boxes()["boxes"][0], "labels": _boxes()["labels"][0]},
         "segmentation_masks": masks[0]})
    assert tuple(single["images"].shape) == (12, 10, 3)
    assert tuple(single["bounding_boxes"]["boxes"].shape) == (2, 4)
    assert tuple(single["segmentation_masks"].shape) == (12, 10, 1)
    # Ragged per-image box lists are padded with label -1.
    ragged = L.Resizing(6, 5, bounding_box_format="xyxy")(
        {"images": IMAGES[:2], "bounding_boxes": {"boxes": [[[1, 2, 6, 9]], [[2, 1, 8, 4], [5, 5, 6, 6]]],
                                                   "labels": [[1], [4, 5]]}})
    np.testing.assert_array_equal(_np(ragged["bounding_boxes"]["labels"]), [[1, -1], [4, 5]])
    np.testing.assert_allclose(_np(ragged["bounding_boxes"]["boxes"])[0, 0], [0.5, 1.0, 3.0, 4.5])


def test_rotation_and_perspective_boxes_hold_the_moved_corners():
    boxes = {"boxes": np.array([[[2, 3, 5, 7]]], "float32"), "labels": np.array([[1]], "int32")}
    layer = L.RandomRotation((0.25, 0.25), bounding_box_format="xyxy", fill_mode="constant")
    out = layer({"images": np.zeros((1, 11, 11, 1), "float32"), "bounding_boxes": boxes})
    # A quarter turn about the center (5, 5) (output (x, y) shows input (10 - y, x)): x in [3, 7], y in [5, 8].
    np.testing.assert_allclose(_np(out["bounding_boxes"]["boxes"])[0, 0], [3, 5, 7, 8], atol=1e-4)
    # Formats other than xyxy go through xyxy and come back.
    as_xywh = L.RandomRotation((0.25, 0.25), bounding_box_format="xywh")(
        {"images": np.zeros((1, 11, 11, 1), "float32"),
         "bounding_boxes": {"boxes": np.array([[[2, 3, 3, 4]]], "float32"), "labels": np.array([[1]], "int32")}})
    np.testing.assert_allclose(_np(as_xywh["bounding_boxes"]["boxes"])[0, 0], [3, 5, 4, 3], atol=1e-4)
    perspective = L.RandomPerspective(scale=0.0, bounding_box_format="center_xywh")  # corners stay put
    out = perspective({"images": np.zeros((1, 11, 11, 1), "float32"),
                       "bounding_boxes": {"boxes": np.array([[[4, 5, 2, 4]]], "float32"),
                                          "labels": np.array([[1]], "int32")}})
    np.testing.assert_allclose(_np(out["bounding_boxes"]["boxes"])[0, 0], [4, 5, 2, 4], atol=1e-4)


def test_random_crop_picks_a_window_and_moves_boxes():
    layer = L.RandomCrop(5, 4, seed=0, bounding_box_format="xyxy")
    images = np.arange(12 * 10, dtype="float32").reshape(1, 12, 10, 1)
    top, left = (int(v) for v in layer.get_random_transformation(images))
    out = layer.transform_images(images, (top, left))
    np.testing.assert_array_equal(_np(out), images[:, top:top + 5, left:left + 4])
    boxes = layer.transform_bounding_boxes({"boxes": torch.tensor([[[6.0, 7.0, 9.0, 11.0]]]),
                                            "labels": torch.tensor([[1]])}, (torch.tensor(2), torch.tensor(3)))
    np.testing.assert_allclose(_np(boxes["boxes"]), [[[3, 5, 6, 9]]])  # x moves by left, y by top
    # Smaller inputs are center-cropped to the aspect ratio and resized.
    assert tuple(L.RandomCrop(20, 20)(IMAGES).shape) == (6, 20, 20, 3)


def test_color_layers_properties():
    x = IMAGES
    out = _np(L.RandomBrightness((0.1, 0.1))(x))
    np.testing.assert_allclose(out, np.clip(x + 25.5, 0, 255), rtol=1e-6)
    u8 = (x / 2).astype("uint8")
    np.testing.assert_array_equal(_np(L.RandomBrightness((-0.9, -0.9))(u8)), np.zeros_like(u8))  # saturates
    gray = _np(L.RandomGrayscale(1.0)(x))
    assert np.allclose(gray[..., 0], gray[..., 1]) and np.allclose(gray[..., 1], gray[..., 2])
    np.testing.assert_allclose(_np(L.RandomInvert((1.0, 1.0))(x)), 255 - x, rtol=1e-6)
    posterized = _np(L.RandomPosterization((3, 3))(x)).astype("int64")
    assert np.all(posterized % 32 == 0)
    solarized = _np(L.Solarization(0.0, 0.0)(x))
    np.testing.assert_allclose(solarized, 255 - x, rtol=1e-5)
    np.testing.assert_allclose(_np(L.RandomColorDegeneration((1.0, 1.0))(x))[..., 0],
                               _np(keras.ops.image.rgb_to_grayscale(x))[..., 0], rtol=1e-5, atol=1e-4)
    sharp = _np(L.RandomSharpness((0.5, 0.5))(x))
    np.testing.assert_allclose(sharp, x, atol=1e-3)  # factor 0.5 keeps the image
    hue = L.RandomHue((0.0, 0.0))
    np.testing.assert_allclose(_np(hue(x)), x, atol=1e-2)
    saturated = _np(L.RandomSaturation((0.5, 0.5))(x))
    np.testing.assert_allclose(saturated, x, atol=1e-2)
    contrast = _np(L.AutoContrast()(x))
    np.testing.assert_allclose(contrast.min(axis=(1, 2)), 0, atol=1e-3)
    np.testing.assert_allclose(contrast.max(axis=(1, 2)), 255, atol=1e-3)
    equalized = _np(L.Equalization()(x))
    assert equalized.min() == 0 and equalized.max() == 255
    clahe = _np(L.ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(2, 2))(IMAGES.astype("uint8")))
    assert clahe.dtype == np.uint8 and clahe.shape == IMAGES.shape


def test_blur_erasing_and_mixing_properties():
    x = IMAGES
    blurred = _np(L.RandomGaussianBlur((1.0, 1.0), kernel_size=3, sigma=(1.0, 1.0))(x))
    assert blurred[:, 1:-1, 1:-1].std() < x[:, 1:-1, 1:-1].std()
    erasing = L.RandomErasing((1.0, 1.0), fill_value=-5.0, value_range=(-5, 255), seed=1)
    erased = _np(erasing(x))
    changed = np.any(erased != x, axis=-1)
    assert changed.any(axis=(1, 2)).all()
    assert np.all(erased[changed] == -5.0)
    for i in range(x.shape[0]):  # one rectangle per image
        rows, cols = np.nonzero(changed[i])
        assert changed[i, rows.min():rows.max() + 1, cols.min():cols.max() + 1].all()
    mix = L.MixUp(alpha=0.5, seed=3)
    labels = np.eye(6, dtype="float32")
    out = mix({"images": x, "labels": labels})
    t = mix.get_random_transformation(x)
    assert np.allclose(_np(out["labels"]).sum(axis=1), 1.0)
    cut = L.CutMix(seed=3)
    t = cut.get_random_transformation(torch.from_numpy(x))
    images = _np(cut.transform_images(x, t))
    partner = x[_np(t["permutation_order"])]
    assert np.all((images == x) | (images == partner))
    mixed_labels = _np(cut.transform_labels(labels, t))
    np.testing.assert_allclose(mixed_labels.sum(axis=1), 1.0, rtol=1e-5)
    with pytest.raises(NotImplementedError, match="bounding boxes"):
        L.CutMix(bounding_box_format="xyxy")({"images": x, "bounding_boxes": _boxes()})
    aug = _np(L.AugMix(seed=2)(x))
    assert aug.min() >= 0 and aug.max() <= 255


def test_mix_up_keeps_both_images_boxes():
    layer = L.MixUp(seed=1, bounding_box_format="xyxy")
    out = layer({"images": IMAGES, "bounding_boxes": _boxes()})
    assert tuple(out["bounding_boxes"]["boxes"].shape) == (6, 4, 4)
    assert tuple(out["bounding_boxes"]["labels"].shape) == (6, 4)


def test_max_num_bounding_boxes():
    layer = L.MaxNumBoundingBoxes(3, fill_value=-7, bounding_box_format="xyxy")
    out = layer({"images": IMAGES, "bounding_boxes": _boxes()})
    np.testing.assert_array_equal(_np(out["bounding_boxes"]["labels"])[0], [1, 2, -7])
    np.testing.assert_array_equal(_np(out["bounding_boxes"]["boxes"])[0, 2], [-7] * 4)
    assert tuple(L.MaxNumBoundingBoxes(1, bounding_box_format="xyxy")(
        {"images": IMAGES, "bounding_boxes": _boxes()})["bounding_boxes"]["boxes"].shape) == (6, 1, 4)
    shapes = layer.compute_output_shape({"images": (None, 12, 10, 3),
                                         "bounding_boxes": {"boxes": (None, 9, 4), "labels": (None, 9)}})
    assert shapes["bounding_boxes"] == {"boxes": (None, 3, 4), "labels": (None, 3)}


def test_rand_augment_applies_num_ops_chosen_operations():
    layer = L.RandAugment(num_ops=2, factor=0.5, seed=4)
    t = layer.get_random_transformation(torch.from_numpy(IMAGES))
    names = list(t["transforms"])
    expected = torch.from_numpy(IMAGES)
    for index in t["layer_idxes"].tolist():
        expected = getattr(layer, names[index]).transform_images(expected, t["transforms"][names[index]])
    np.testing.assert_allclose(_np(layer.transform_images(IMAGES, t)), _np(expected), atol=1e-4)


def test_random_draw_helpers_have_the_right_moments():
    from torchkeras.layers.preprocessing.image_preprocessing import random_draws

    gen = torch.Generator().manual_seed(0)
    for alpha in (0.3, 1.0, 4.0):
        g = random_draws.gamma(gen, alpha, (20000,), "cpu", torch.float64)
        assert abs(g.mean().item() - alpha) < 0.05 * max(alpha, 1)
        assert abs(g.var().item() - alpha) < 0.1 * max(alpha, 1)
    b = random_draws.beta(gen, 2.0, 5.0, (20000,), "cpu", torch.float64)
    assert abs(b.mean().item() - 2 / 7) < 0.01
    d = random_draws.dirichlet(gen, 1.0, (100, 3), "cpu")
    np.testing.assert_allclose(_np(d.sum(-1)), 1.0, rtol=1e-5)
    with pytest.raises(ValueError, match="alpha > 0"):
        random_draws.gamma(gen, 0.0, (2,), "cpu")


def test_argument_errors():
    with pytest.raises(ValueError, match="factor"):
        L.RandomBrightness(2.0)
    with pytest.raises(ValueError, match="value_range"):
        L.RandomSharpness(0.2, value_range=5)
    with pytest.raises(ValueError, match="odd"):
        L.RandomGaussianBlur(kernel_size=4)
    with pytest.raises(ValueError, match="between 0 and 1"):
        L.RandomGrayscale(1.5)
    with pytest.raises(ValueError, match="scale"):
        L.RandomPerspective(scale=2.0)
    with pytest.raises(NotImplementedError, match="interpolation"):
        L.RandomShear(0.1, interpolation="bicubic")
    with pytest.raises(NotImplementedError, match="fill_mode"):
        L.RandomElasticTransform(fill_mode="zeros")
    with pytest.raises(ValueError, match="range \\[0, 1.0\\]"):
        L.RandomShear(x_factor=-0.2)
    with pytest.raises(ValueError, match="does not take a `factor`"):
        L.RandomFlip(factor=0.3)
    with pytest.raises(ValueError, match="rank 3"):
        L.RandomInvert()(np.zeros((4, 4), "float32"))
    with pytest.raises(ValueError, match="bounding box format"):
        L.RandomZoom(0.1)({"images": IMAGES, "bounding_boxes": _boxes()})
    with pytest.raises(ValueError, match="'boxes' and 'labels'"):
        L.RandomZoom(0.1, bounding_box_format="xyxy")(
            {"images": IMAGES, "bounding_boxes": {"boxes": _boxes()["boxes"]}})


def test_keras_style_subclass_of_the_base_layer():
    from torchkeras.layers.preprocessing.image_preprocessing import BaseImagePreprocessingLayer

    class RandomShift(BaseImagePreprocessingLayer):
        """Written as in Keras: `self.backend` ops, the seed generator, and the public hooks."""

        def __init__(self, seed=None, **kwargs):
            super().__init__(**kwargs)
            self.seed = seed
            self.generator = keras.random.SeedGenerator(seed)

        def get_random_transformation(self, data, training=True, seed=None):
            images = data["images"] if isinstance(data, dict) else data
            seed = seed or self._get_seed_generator(self.backend._backend)
            shift = self.backend.random.uniform((self.backend.shape(images)[0], 1, 1, 1), 0, 10, seed=seed)
            return {"shift": shift}

        def transform_images(self, images, transformation, training=True):
            images = self.backend.cast(images, self.compute_dtype)
            return images + transformation["shift"] if training else images

        def transform_labels(self, labels, transformation, training=True):
            return labels

        def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
            return segmentation_masks

        def compute_output_shape(self, input_shape):
            return input_shape

    layer = RandomShift(seed=1)
    out = layer({"images": IMAGES, "labels": np.arange(6), "segmentation_masks": IMAGES[..., :1]})
    shift = _np(out["images"]) - IMAGES
    assert np.all(shift >= 0) and np.all(shift < 10) and np.allclose(shift, shift[:, :1, :1, :1], atol=1e-4)
    np.testing.assert_allclose(_np(layer(IMAGES, training=False)), IMAGES)
    model = keras.Sequential([keras.Input((12, 10, 3)), layer, L.Flatten(), L.Dense(1)])
    assert model.predict(IMAGES, verbose=0).shape == (6, 1)


def test_pipeline():
    pipeline = L.Pipeline([L.Resizing(8, 8, bounding_box_format="xyxy"),
                           L.RandomFlip(seed=1, bounding_box_format="xyxy"),
                           L.MaxNumBoundingBoxes(4, bounding_box_format="xyxy")])
    out = pipeline({"images": IMAGES, "bounding_boxes": _boxes()})
    assert tuple(out["images"].shape) == (6, 8, 8, 3)
    assert tuple(out["bounding_boxes"]["boxes"].shape) == (6, 4, 4)
    assert pipeline.layers[0].height == 8
    inference = _np(L.Pipeline([L.RandomRotation(0.3), L.RandomInvert()])(IMAGES, training=False))
    np.testing.assert_allclose(inference, IMAGES, rtol=1e-6)
    rebuilt = L.Pipeline.from_config(pipeline.get_config())
    assert [type(layer).__name__ for layer in rebuilt.layers] == ["Resizing", "RandomFlip", "MaxNumBoundingBoxes"]
    with pytest.raises(ValueError, match="layers"):
        L.Pipeline.from_config({"name": "p"})


def test_old_import_paths_still_work():
    from torchkeras.layers.preprocessing.random_flip import RandomFlip
    from torchkeras.layers.preprocessing.resizing import Resizing

    assert RandomFlip is L.RandomFlip and Resizing is L.Resizing


def test_layers_on_device(device):
    x = torch.from_numpy(IMAGES).to(device)
    for spec in LAYERS + DETERMINISTIC:
        layer = _make(spec) if spec in DETERMINISTIC else _make(spec, seed=1)
        out = layer(x, training=True)
        assert out.device.type == torch.device(device).type, spec[0]
    out = L.RandomRotation(0.2, seed=1, bounding_box_format="xyxy")(
        {"images": x, "bounding_boxes": {k: torch.from_numpy(v).to(device) for k, v in _boxes().items()}})
    assert out["bounding_boxes"]["boxes"].device.type == torch.device(device).type


@pytest.mark.parametrize("fill_mode", ["constant", "nearest", "reflect", "wrap"])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_grid_sample_path_samples_what_affine_transform_samples(fill_mode, interpolation):
    from torchkeras.layers.preprocessing.image_preprocessing.geometry import apply_transform

    transforms = torch.tensor([[0.8, -0.6, 4.2, 0.6, 0.8, -1.6, 0.0, 0.0],
                               [1.3, 0.2, -3.0, -0.1, 0.7, 2.5, 0.01, -0.02],
                               [1.0, 0.0, 25.0, 0.0, 1.0, -31.5, 0.0, 0.0], [0.5, 0.0, 2.0, 0.0, 2.0, -6.0, 0.0, 0.0],
                               [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0], [-1.0, 0.0, 9.0, 0.0, 1.0, 0.0, 0.0, 0.0]])
    for images, data_format in ((IMAGES, "channels_last"), (np.transpose(IMAGES, (0, 3, 1, 2)), "channels_first"),
                                (IMAGES.astype("uint8"), "channels_last")):
        for fill_value in (0.0, 7.5):
            ours = apply_transform(images, transforms, interpolation, fill_mode, fill_value, data_format)
            reference = keras.ops.image.affine_transform(images, transforms, interpolation=interpolation,
                                                         fill_mode=fill_mode, fill_value=fill_value,
                                                         data_format=data_format)
            assert ours.dtype == reference.dtype
            np.testing.assert_allclose(_np(ours).astype("float64"), _np(reference).astype("float64"),
                                       atol=1.0 if images.dtype == np.uint8 else 2e-3)
    single = apply_transform(IMAGES[0], transforms[0], "bilinear", fill_mode, 0.0, "channels_last")
    np.testing.assert_allclose(_np(single), _np(keras.ops.image.affine_transform(IMAGES[0], transforms[0],
                                                                                 fill_mode=fill_mode)), atol=2e-3)
