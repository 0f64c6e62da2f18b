"""`keras.utils.bounding_boxes` on hand-computed cases."""
import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras.utils import bounding_boxes as bb
from torchkeras.utils.bounding_boxes.validation import densify_bounding_boxes

BOX = np.array([[10.0, 20.0, 30.0, 60.0]], "float32")  # xyxy: left 10, top 20, right 30, bottom 60


def _np(x):
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


def test_namespace():
    assert keras.utils.bounding_boxes.convert_format is bb.convert_format
    assert sorted(bb.__all__) == ["affine_transform", "clip_to_image_size", "compute_ciou", "compute_iou",
                                  "convert_format", "crop", "decode_deltas_to_boxes", "encode_box_to_deltas", "pad"]


@pytest.mark.parametrize("target,expected", [
    ("xyxy", [10, 20, 30, 60]), ("yxyx", [20, 10, 60, 30]), ("xywh", [10, 20, 20, 40]),
    ("center_xywh", [20, 40, 20, 40]), ("center_yxhw", [40, 20, 40, 20]), ("rel_xyxy", [0.1, 0.1, 0.3, 0.3]),
    ("rel_yxyx", [0.1, 0.1, 0.3, 0.3]), ("rel_xywh", [0.1, 0.1, 0.2, 0.2]), ("rel_center_xywh", [0.2, 0.2, 0.2, 0.2]),
])
def test_convert_format_both_ways(target, expected):
    out = bb.convert_format(BOX, "xyxy", target, height=200, width=100)
    np.testing.assert_allclose(_np(out)[0], expected, rtol=1e-6)
    back = bb.convert_format(out, target.upper(), "xyxy", height=200, width=100)
    np.testing.assert_allclose(_np(back), BOX, rtol=1e-5)
    assert out.dtype == torch.float32


def test_convert_format_dicts_dtypes_and_errors():
    data = {"boxes": BOX, "labels": np.array([3])}
    out = bb.convert_format(data, "xyxy", "xywh")
    assert data["boxes"] is BOX and out["labels"] is data["labels"]  # the input dict is not modified
    assert bb.convert_format(BOX, "xyxy", "xywh", dtype="float64").dtype == torch.float64
    with pytest.raises(ValueError, match="height"):
        bb.convert_format(BOX, "xyxy", "rel_xyxy")
    with pytest.raises(ValueError, match="Supported formats"):
        bb.convert_format(BOX, "xyxy", "xxyy")
    with pytest.raises(ValueError, match="last dimension of 4"):
        bb.convert_format(np.zeros((2, 5)), "xyxy", "xywh")


def test_clip_marks_empty_boxes():
    data = {"boxes": np.array([[[-10, -20, 150, 160], [50, 40, 70, 80], [130, 10, 140, 20]]], "float32"),
            "labels": np.array([[0, 1, 2]], "int32")}
    out = bb.clip_to_image_size(data, height=100, width=120)
    np.testing.assert_allclose(_np(out["boxes"])[0], [[0, 0, 120, 100], [50, 40, 70, 80], [120, 10, 120, 20]])
    np.testing.assert_array_equal(_np(out["labels"]), [[0, 1, -1]])
    rel = bb.clip_to_image_size({"boxes": np.array([[-0.5, 0.2, 0.4, 1.5]], "float32")}, bounding_box_format="rel_xyxy")
    np.testing.assert_allclose(_np(rel["boxes"]), [[0, 0.2, 0.4, 1.0]])
    with pytest.raises(NotImplementedError, match="xyxy"):
        bb.clip_to_image_size(data, 10, 10, bounding_box_format="xywh")
    with pytest.raises(ValueError, match="height"):
        bb.clip_to_image_size(data)


def test_affine_transform_moves_corners():
    boxes = np.array([[[2, 3, 5, 7]]], "float32")
    zeros, ones = np.zeros(1, "float32"), np.ones(1, "float32")
    same = bb.affine_transform(boxes, zeros, zeros, zeros, ones, zeros, zeros, height=11, width=11)
    np.testing.assert_allclose(_np(same), boxes, atol=1e-5)
    shifted = bb.affine_transform(boxes, zeros, ones * 0.1, ones * 0.2, ones, zeros, zeros, height=11, width=11)
    np.testing.assert_allclose(_np(shifted), boxes + [1, 2, 1, 2], atol=1e-5)
    turned = bb.affine_transform(boxes[0], np.array([90.0], "float32"), 0.0, 0.0, 1.0, 0.0, 0.0, height=11, width=11)
    np.testing.assert_allclose(_np(turned), [[3, 5, 7, 8]], atol=1e-4)
    scaled = bb.affine_transform(boxes, zeros, zeros, zeros, ones * 2, zeros, zeros, height=11, width=11)
    np.testing.assert_allclose(_np(scaled), [[[-1, 1, 5, 9]]], atol=1e-4)
    with pytest.raises(NotImplementedError):
        bb.affine_transform(boxes, zeros, zeros, zeros, ones, zeros, zeros, 11, 11, bounding_box_format="xywh")


def test_crop_and_pad():
    boxes = np.array([[10, 20, 50, 60], [70, 80, 100, 120]], "float32")
    np.testing.assert_allclose(_np(bb.crop(boxes, top=10, left=20, height=40, width=30)),
                               [[0, 10, 30, 40], [30, 40, 30, 40]])
    np.testing.assert_allclose(_np(bb.pad(boxes, top=5, left=3)), [[13, 25, 53, 65], [73, 85, 103, 125]])


def test_iou_values():
    a = np.array([[0, 0, 10, 10]], "float32")
    b = np.array([[0, 0, 10, 10], [5, 5, 15, 15], [20, 20, 30, 30], [-1, -1, -1, -1]], "float32")
    iou = _np(bb.compute_iou(a, b, "xyxy"))
    np.testing.assert_allclose(iou, [[1.0, 25 / 175, 0.0, 0.0]], atol=1e-6)
    masked = _np(bb.compute_iou(a, b, "xyxy", use_masking=True, mask_val=-1))
    np.testing.assert_allclose(masked[0, 3], -1)
    batched = _np(bb.compute_iou(np.stack([a, a]), b, "xyxy"))
    assert batched.shape == (2, 1, 4)
    batched_masked = _np(bb.compute_iou(a, np.stack([b, b]), "xyxy", use_masking=True))
    assert batched_masked.shape == (2, 1, 4) and batched_masked[1, 0, 3] == -1
    np.testing.assert_allclose(_np(bb.compute_ciou(a, a, "xyxy")), [1.0], atol=1e-5)
    assert _np(bb.compute_ciou(a, b[2:3], "xyxy"))[0] < 0
    with pytest.raises(ValueError, match="image_shape"):
        bb.compute_iou(a, b, "rel_xyxy")
    with pytest.raises(ValueError, match="boxes1"):
        bb.compute_iou(np.zeros((4,)), b, "xyxy")


def test_deltas_round_trip():
    anchors = np.array([[0, 0, 10, 10], [5, 5, 25, 15]], "float32")
    boxes = np.array([[1, 2, 9, 12], [6, 4, 20, 18]], "float32")
    for encoding in ("center_yxhw", "center_xywh"):
        deltas = bb.encode_box_to_deltas(anchors, boxes, "xyxy", "xyxy", encoding, variance=[0.1, 0.1, 0.2, 0.2])
        decoded = bb.decode_deltas_to_boxes(anchors, deltas, "xyxy", "xyxy", encoding, variance=[0.1, 0.1, 0.2, 0.2])
        np.testing.assert_allclose(_np(decoded), boxes, atol=1e-4)
    zero = bb.encode_box_to_deltas(anchors, anchors, "xyxy", "xyxy")
    np.testing.assert_allclose(_np(zero), 0, atol=1e-6)
    with pytest.raises(ValueError, match="length 4"):
        bb.encode_box_to_deltas(anchors, boxes, "xyxy", "xyxy", variance=[1, 2])
    with pytest.raises(ValueError, match="encoding_format"):
        bb.encode_box_to_deltas(anchors, boxes, "xyxy", "xyxy", encoding_format="xyxy")


def test_densify():
    out = densify_bounding_boxes({"boxes": [[[1, 2, 3, 4]], [[5, 6, 7, 8], [1, 1, 2, 2]]], "labels": [[7], [8, 9]]},
                                 is_batched=True)
    np.testing.assert_allclose(_np(out["boxes"]), [[[1, 2, 3, 4], [0, 0, 0, 0]], [[5, 6, 7, 8], [1, 1, 2, 2]]])
    np.testing.assert_array_equal(_np(out["labels"]), [[7, -1], [8, 9]])
    cut = densify_bounding_boxes({"boxes": [[[1, 2, 3, 4]], [[5, 6, 7, 8], [1, 1, 2, 2]]], "labels": [[7], [8, 9]]},
                                 is_batched=True, max_boxes=1)
    assert tuple(cut["boxes"].shape) == (2, 1, 4)
    with pytest.raises(ValueError, match="integers"):
        densify_bounding_boxes({"boxes": [[[1, 2, 3, 4]]], "labels": [[0.5]]}, is_batched=True)
    with pytest.raises(ValueError, match="rank 2 or 3"):
        densify_bounding_boxes({"boxes": np.zeros((4,)), "labels": np.zeros((4,))})
    with pytest.raises(ValueError, match="same length"):
        densify_bounding_boxes({"boxes": [[1, 2, 3, 4]], "labels": [1, 2]})
