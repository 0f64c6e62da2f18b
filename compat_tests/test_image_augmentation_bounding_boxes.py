"""`keras.utils.bounding_boxes` and the image layers' bounding-box support side by side with real Keras 3
(torch backend): the same boxes in, the same boxes and labels out."""
import itertools

import keras
import numpy as np
import pytest
import torch

import torchkeras

KB, TB = keras.utils.bounding_boxes, torchkeras.utils.bounding_boxes
FORMATS = ["xyxy", "yxyx", "xywh", "center_xywh", "center_yxhw", "rel_xyxy", "rel_yxyx", "rel_xywh", "rel_center_xywh"]
BOXES = np.array([[[1, 2, 6, 9], [0, 0, 3, 3], [4, 5, 9, 11]], [[2, 1, 8, 4], [5, 5, 6, 6], [0, 0, 0, 0]]], "float32")
LABELS = np.array([[1, 2, 3], [4, 5, -1]], "int32")
IMAGES = (np.random.default_rng(0).random((2, 12, 10, 3)) * 255).astype("float32")
MASKS = np.random.default_rng(1).integers(0, 3, (2, 12, 10, 1)).astype("uint8")


def _np(x):
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


def _close(a, b, atol=1e-5):
    a, b = _np(a), _np(b)
    assert a.shape == b.shape, (a.shape, b.shape)
    np.testing.assert_allclose(a.astype("float64"), b.astype("float64"), atol=atol, rtol=1e-5)


def _clone(value):
    if isinstance(value, torch.Tensor):
        return value.clone()
    if isinstance(value, dict):
        return {k: _clone(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_clone(v) for v in value)
    return value


@pytest.mark.parametrize("source,target", list(itertools.product(FORMATS, FORMATS)))
def test_convert_format(source, target):
    for boxes in (BOXES, BOXES[1]):
        a = KB.convert_format(boxes.copy(), source, target, height=12, width=10)
        b = TB.convert_format(boxes.copy(), source, target, height=12, width=10)
        assert str(a.dtype) == str(b.dtype)
        _close(a, b)
    a = KB.convert_format({"boxes": BOXES.copy(), "labels": LABELS}, source, target, height=12, width=10)
    b = TB.convert_format({"boxes": BOXES.copy(), "labels": LABELS}, source, target, height=12, width=10)
    _close(a["boxes"], b["boxes"])


def test_convert_format_errors_like_keras():
    for bad in ({"source": "xyxy", "target": "xywz"}, {"source": "rel_xyxy", "target": "xyxy"}):
        with pytest.raises(ValueError):
            KB.convert_format(BOXES, **bad)
        with pytest.raises(ValueError):
            TB.convert_format(BOXES, **bad)
    with pytest.raises(ValueError, match="last dimension of 4"):
        TB.convert_format(BOXES[..., :3], "xyxy", "xywh")


@pytest.mark.parametrize("bounding_box_format", ["xyxy", "rel_xyxy"])
def test_clip_to_image_size(bounding_box_format):
    scale = 1.0 if bounding_box_format == "xyxy" else 0.12
    for boxes, labels in ((BOXES * scale, LABELS), (BOXES[0] * scale, LABELS[0])):
        a = KB.clip_to_image_size({"boxes": boxes.copy(), "labels": labels.copy()}, height=8, width=7,
                                  bounding_box_format=bounding_box_format)
        b = TB.clip_to_image_size({"boxes": boxes.copy(), "labels": labels.copy()}, height=8, width=7,
                                  bounding_box_format=bounding_box_format)
        _close(a["boxes"], b["boxes"])
        np.testing.assert_array_equal(_np(a["labels"]), _np(b["labels"]))


def test_affine_crop_pad():
    args = dict(angle=np.array([10.0, -30.0], "float32"), translate_x=np.array([0.1, -0.2], "float32"),
                translate_y=np.array([0.0, 0.3], "float32"), scale=np.array([1.2, 0.8], "float32"),
                shear_x=np.array([5.0, 0.0], "float32"), shear_y=np.array([0.0, -10.0], "float32"))
    a = KB.affine_transform(BOXES, height=12, width=10, **{k: torch.from_numpy(v) for k, v in args.items()})
    b = TB.affine_transform(BOXES, height=12, width=10, **args)
    _close(a, b, atol=1e-4)
    a = KB.affine_transform(BOXES, height=12, width=10, center_x=0.2, center_y=0.7,
                            **{k: torch.from_numpy(v) for k, v in args.items()})
    b = TB.affine_transform(BOXES, height=12, width=10, center_x=0.2, center_y=0.7, **args)
    _close(a, b, atol=1e-4)
    for boxes in (BOXES, BOXES[0]):
        _close(KB.crop(boxes, 2, 1, 6, 5), TB.crop(boxes, 2, 1, 6, 5))
        _close(KB.pad(boxes, 2, 1), TB.pad(boxes, 2, 1))


@pytest.mark.parametrize("encoding", ["center_yxhw", "center_xywh"])
@pytest.mark.parametrize("variance", [None, [0.1, 0.1, 0.2, 0.2]])
def test_box_deltas(encoding, variance):
    anchors = np.array([[0, 0, 4, 4], [2, 2, 8, 10], [1, 1, 5, 6]], "float32")
    a = KB.encode_box_to_deltas(anchors, BOXES + 1, "xyxy", "xyxy", encoding, variance, (12, 10, 3))
    b = TB.encode_box_to_deltas(anchors, BOXES + 1, "xyxy", "xyxy", encoding, variance, (12, 10, 3))
    _close(a, b)
    for box_format in ("xyxy", "rel_xywh"):
        a2 = KB.decode_deltas_to_boxes(anchors, torch.from_numpy(_np(a)), "xyxy", box_format, encoding, variance,
                                       (12, 10, 3))
        b2 = TB.decode_deltas_to_boxes(anchors, _np(a), "xyxy", box_format, encoding, variance, (12, 10, 3))
        _close(a2, b2, atol=1e-4)
    levels = {"P3": anchors, "P4": anchors[:2]}
    deltas = {"P3": torch.from_numpy(_np(a)[0]), "P4": torch.from_numpy(_np(a)[0, :2])}
    a3 = KB.decode_deltas_to_boxes(levels, deltas, "xyxy", "xyxy", encoding, variance)
    b3 = TB.decode_deltas_to_boxes(levels, deltas, "xyxy", "xyxy", encoding, variance)
    for level in levels:
        _close(a3[level], b3[level], atol=1e-4)


@pytest.mark.parametrize("bounding_box_format", ["xyxy", "yxyx", "xywh", "rel_xyxy"])
def test_compute_iou_and_ciou(bounding_box_format):
    for boxes1, boxes2 in ((BOXES, BOXES[0]), (BOXES[0], BOXES), (BOXES, BOXES), (BOXES[0], BOXES[1])):
        for use_masking in (False, True):
            if use_masking and boxes1.ndim != boxes2.ndim:
                continue  # Keras's masking fails on mixed ranks (torchkeras handles them)
            a = KB.compute_iou(boxes1 - 1, boxes2, bounding_box_format, use_masking=use_masking, mask_val=-2,
                               image_shape=(12, 10, 3))
            b = TB.compute_iou(boxes1 - 1, boxes2, bounding_box_format, use_masking=use_masking, mask_val=-2,
                               image_shape=(12, 10, 3))
            _close(a, b, atol=1e-6)
    if bounding_box_format != "rel_xyxy":
        _close(KB.compute_ciou(BOXES, BOXES[::-1] + 0.5, bounding_box_format),
               TB.compute_ciou(BOXES, BOXES[::-1] + 0.5, bounding_box_format), atol=1e-6)


LAYER_CASES = [
    ("RandomFlip", (), {}), ("RandomFlip", ("vertical",), {}), ("RandomFlip", ("horizontal",), {}),
    ("RandomZoom", (0.3, 0.2), {}), ("RandomZoom", ((-0.3, -0.1),), {}),
    ("RandomTranslation", (0.2, 0.3), {}), ("RandomShear", (0.3, 0.2), {}),
    ("Resizing", (6, 5), {}), ("Resizing", (6, 8), {"crop_to_aspect_ratio": True}),
    ("Resizing", (6, 8), {"pad_to_aspect_ratio": True}), ("CenterCrop", (6, 5), {}), ("CenterCrop", (14, 5), {}),
    ("MaxNumBoundingBoxes", (2,), {}), ("MaxNumBoundingBoxes", (5,), {}),
]


@pytest.mark.parametrize("bounding_box_format", ["xyxy", "rel_xyxy", "center_xywh"])
@pytest.mark.parametrize("spec", LAYER_CASES, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(LAYER_CASES)])
def test_layer_bounding_boxes_follow_the_transformation(spec, bounding_box_format):
    name, args, kwargs = spec
    keras_layer = getattr(keras.layers, name)(*args, bounding_box_format=bounding_box_format, **kwargs)
    ours = getattr(torchkeras.layers, name)(*args, bounding_box_format=bounding_box_format, **kwargs)
    boxes = BOXES if not bounding_box_format.startswith("rel") else BOXES / 10
    transformation = keras_layer.get_random_transformation(torch.from_numpy(IMAGES), training=True)
    a = keras_layer.transform_bounding_boxes({"boxes": torch.from_numpy(boxes.copy()),
                                              "labels": torch.from_numpy(LABELS.copy())}, _clone(transformation))
    b = ours.transform_bounding_boxes({"boxes": torch.from_numpy(boxes.copy()),
                                       "labels": torch.from_numpy(LABELS.copy())}, _clone(transformation))
    _close(a["boxes"], b["boxes"], atol=1e-4)
    np.testing.assert_array_equal(_np(a["labels"]), _np(b["labels"]))


def test_rotation_perspective_and_crop_boxes_in_xyxy_like_keras():
    for name, args, kwargs in [("RandomRotation", (0.2,), {}), ("RandomPerspective", (), {"scale": 0.5}),
                               ("RandomCrop", (6, 6), {})]:
        keras_layer = getattr(keras.layers, name)(*args, bounding_box_format="xyxy", seed=2, **kwargs)
        ours = getattr(torchkeras.layers, name)(*args, bounding_box_format="xyxy", **kwargs)
        transformation = keras_layer.get_random_transformation(torch.from_numpy(IMAGES), training=True)
        if name == "RandomCrop":  # (Keras swaps the offsets of x and y; equal offsets agree)
            transformation = (torch.tensor(3), torch.tensor(3))
        bounding_boxes = {"boxes": torch.from_numpy(BOXES.copy()), "labels": torch.from_numpy(LABELS.copy())}
        a = keras_layer.transform_bounding_boxes(_clone(bounding_boxes), _clone(transformation))
        b = ours.transform_bounding_boxes(_clone(bounding_boxes), _clone(transformation))
        _close(a["boxes"], b["boxes"], atol=1e-3)
        np.testing.assert_array_equal(_np(a["labels"]), _np(b["labels"]))


def _data(batched=True):
    index = slice(None) if batched else 0
    return {"images": IMAGES[index].copy(), "labels": np.eye(2, dtype="float32")[index],
            "bounding_boxes": {"boxes": BOXES[index].copy(), "labels": LABELS[index].copy()},
            "segmentation_masks": MASKS[index].copy()}


@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("spec", [("Resizing", (6, 5), {}), ("Resizing", (6, 8), {"crop_to_aspect_ratio": True}),
                                  ("Resizing", (6, 8), {"pad_to_aspect_ratio": True}), ("CenterCrop", (6, 5), {}),
                                  ("CenterCrop", (14, 5), {}), ("MaxNumBoundingBoxes", (4,), {})])
def test_dict_inputs_through_deterministic_layers(spec, batched):
    name, args, kwargs = spec
    keras_layer = getattr(keras.layers, name)(*args, bounding_box_format="xyxy", **kwargs)
    ours = getattr(torchkeras.layers, name)(*args, bounding_box_format="xyxy", **kwargs)
    a, b = keras_layer(_data(batched)), ours(_data(batched))
    assert set(a) == set(b)
    for key in ("images", "labels", "segmentation_masks"):
        assert str(a[key].dtype) == str(b[key].dtype), key
        _close(a[key], b[key], atol=1e-3)
    _close(a["bounding_boxes"]["boxes"], b["bounding_boxes"]["boxes"], atol=1e-4)
    np.testing.assert_array_equal(_np(a["bounding_boxes"]["labels"]), _np(b["bounding_boxes"]["labels"]))


def test_single_draw_layers_match_keras_end_to_end_with_the_same_seed():
    # RandomFlip, RandomRotation and RandomContrast draw once per call, from the seed generator as Keras does,
    # so whole calls (images, labels, boxes, masks) agree with Keras for the same seed.
    for name, args, with_boxes in [("RandomFlip", (), True), ("RandomRotation", (0.2,), True),
                                   ("RandomContrast", (0.3,), False)]:
        kwargs = {"bounding_box_format": "xyxy"} if with_boxes else {}
        keras_layer = getattr(keras.layers, name)(*args, seed=7, **kwargs)
        ours = getattr(torchkeras.layers, name)(*args, seed=7, **kwargs)
        data = [_data(), _data()]  # fresh inputs for each: Keras converts the boxes of its input in place
        if not with_boxes:
            data[0].pop("bounding_boxes"), data[1].pop("bounding_boxes")
        a, b = keras_layer(data[0]), ours(data[1])
        _close(a["images"], b["images"], atol=1e-3)
        _close(a["labels"], b["labels"])
        if with_boxes:
            _close(a["bounding_boxes"]["boxes"], b["bounding_boxes"]["boxes"], atol=1e-4)
        if name != "RandomRotation":  # Keras rotates masks with a matrix its images call has rewritten
            _close(a["segmentation_masks"], b["segmentation_masks"])
