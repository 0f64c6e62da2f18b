"""`keras.utils.bounding_boxes`: converting box formats, clipping, affine transforms, crops, pads and the
anchor-delta encoding, on torch tensors.

Formats (case-insensitive): `"xyxy"` `[left, top, right, bottom]`, `"yxyx"`, `"xywh"` `[left, top, width,
height]`, `"center_xywh"`, `"center_yxhw"`, and the relative `"rel_xyxy"`, `"rel_yxyx"`, `"rel_xywh"`,
`"rel_center_xywh"` (coordinates divided by the image width and height).
"""
import math

import torch

from torchkeras.api_export import keras_export
from torchkeras.backend import config
from torchkeras.backend.dtypes import to_torch_dtype
from torchkeras.utils.bounding_boxes.tensors import to_tensor

SUPPORTED_FORMATS = ("xyxy", "yxyx", "xywh", "center_xywh", "center_yxhw", "rel_xyxy", "rel_yxyx", "rel_xywh",
                     "rel_center_xywh")


def _split(boxes):
    return torch.split(boxes, 1, dim=-1)


def _join(*parts):
    return torch.cat(parts, dim=-1)


def _scalar(value, like):
    """A number or tensor as a tensor of `like`'s dtype and device (for broadcasting against boxes)."""
    return to_tensor(value, device=like.device).to(like.dtype)


# Conversions to and from xyxy. `height`/`width` are tensors (or None for absolute formats).
def _yxyx_to_xyxy(b, h, w):
    y1, x1, y2, x2 = _split(b)
    return _join(x1, y1, x2, y2)


def _xywh_to_xyxy(b, h, w):
    x1, y1, bw, bh = _split(b)
    return _join(x1, y1, x1 + bw, y1 + bh)


def _center_xywh_to_xyxy(b, h, w):
    cx, cy, bw, bh = _split(b)
    return _join(cx - bw / 2.0, cy - bh / 2.0, cx + bw / 2.0, cy + bh / 2.0)


def _center_yxhw_to_xyxy(b, h, w):
    cy, cx, bh, bw = _split(b)
    return _join(cx - bw / 2.0, cy - bh / 2.0, cx + bw / 2.0, cy + bh / 2.0)


def _rel_xyxy_to_xyxy(b, h, w):
    x1, y1, x2, y2 = _split(b)
    return _join(x1 * w, y1 * h, x2 * w, y2 * h)


def _rel_yxyx_to_xyxy(b, h, w):
    y1, x1, y2, x2 = _split(b)
    return _join(x1 * w, y1 * h, x2 * w, y2 * h)


def _rel_xywh_to_xyxy(b, h, w):
    x1, y1, bw, bh = _split(b)
    return _join(x1 * w, y1 * h, (x1 + bw) * w, (y1 + bh) * h)


def _rel_center_xywh_to_xyxy(b, h, w):
    cx, cy, bw, bh = _split(b)
    return _join((cx - bw / 2.0) * w, (cy - bh / 2.0) * h, (cx + bw / 2.0) * w, (cy + bh / 2.0) * h)


def _xyxy_to_yxyx(b, h, w):
    x1, y1, x2, y2 = _split(b)
    return _join(y1, x1, y2, x2)


def _xyxy_to_xywh(b, h, w):
    x1, y1, x2, y2 = _split(b)
    return _join(x1, y1, x2 - x1, y2 - y1)


def _xyxy_to_center_xywh(b, h, w):
    x1, y1, x2, y2 = _split(b)
    return _join(x1 + (x2 - x1) / 2.0, y1 + (y2 - y1) / 2.0, x2 - x1, y2 - y1)


def _xyxy_to_center_yxhw(b, h, w):
    x1, y1, x2, y2 = _split(b)
    return _join(y1 + (y2 - y1) / 2.0, x1 + (x2 - x1) / 2.0, y2 - y1, x2 - x1)


def _xyxy_to_rel_xyxy(b, h, w):
    x1, y1, x2, y2 = _split(b)
    return _join(x1 / w, y1 / h, x2 / w, y2 / h)


def _xyxy_to_rel_yxyx(b, h, w):
    x1, y1, x2, y2 = _split(b)
    return _join(y1 / h, x1 / w, y2 / h, x2 / w)


def _xyxy_to_rel_xywh(b, h, w):
    x1, y1, x2, y2 = _split(b)
    return _join(x1 / w, y1 / h, (x2 - x1) / w, (y2 - y1) / h)


def _xyxy_to_rel_center_xywh(b, h, w):
    x1, y1, x2, y2 = _split(b)
    return _join((x1 + (x2 - x1) / 2.0) / w, (y1 + (y2 - y1) / 2.0) / h, (x2 - x1) / w, (y2 - y1) / h)


_TO_XYXY = {"xyxy": lambda b, h, w: b, "yxyx": _yxyx_to_xyxy, "xywh": _xywh_to_xyxy,
            "center_xywh": _center_xywh_to_xyxy, "center_yxhw": _center_yxhw_to_xyxy,
            "rel_xyxy": _rel_xyxy_to_xyxy, "rel_yxyx": _rel_yxyx_to_xyxy, "rel_xywh": _rel_xywh_to_xyxy,
            "rel_center_xywh": _rel_center_xywh_to_xyxy}
_FROM_XYXY = {"xyxy": lambda b, h, w: b, "yxyx": _xyxy_to_yxyx, "xywh": _xyxy_to_xywh,
              "center_xywh": _xyxy_to_center_xywh, "center_yxhw": _xyxy_to_center_yxhw,
              "rel_xyxy": _xyxy_to_rel_xyxy, "rel_yxyx": _xyxy_to_rel_yxyx, "rel_xywh": _xyxy_to_rel_xywh,
              "rel_center_xywh": _xyxy_to_rel_center_xywh}


@keras_export("keras.utils.bounding_boxes.convert_format")
def convert_format(boxes, source, target, height=None, width=None, dtype="float32"):
    """Convert bounding boxes from format `source` to `target` (a `(..., 4)` tensor, or a dict whose
    `"boxes"` entry is converted). Relative formats need the image `height` and `width`."""
    if isinstance(boxes, dict):
        result = dict(boxes)
        result["boxes"] = convert_format(boxes["boxes"], source=source, target=target, height=height,
                                         width=width, dtype=dtype)
        return result
    boxes = to_tensor(boxes)
    if boxes.shape[-1] != 4:
        raise ValueError(
            f"`boxes` must be a tensor with the last dimension of 4. Received: boxes.shape={tuple(boxes.shape)}")
    source, target = source.lower(), target.lower()
    if source not in SUPPORTED_FORMATS or target not in SUPPORTED_FORMATS:
        raise ValueError(f"Invalid source or target format. Supported formats: {SUPPORTED_FORMATS}")
    if (source.startswith("rel_") or target.startswith("rel_")) and (width is None or height is None):
        raise ValueError(
            "convert_format() must receive `height` and `width` transforming between relative and absolute "
            f"formats. convert_format() received source=`{source}`, target=`{target}`, but height={height} "
            f"and width={width}.")
    boxes = boxes.to(to_torch_dtype(dtype))
    if source == target:
        return boxes
    height = _scalar(height, boxes) if height is not None else None
    width = _scalar(width, boxes) if width is not None else None
    if source.startswith("rel_") and target.startswith("rel_"):
        source, target = source[4:], target[4:]
    return _FROM_XYXY[target](_TO_XYXY[source](boxes, height, width), height, width)


def _area(boxes):
    x1, y1, x2, y2 = _split(boxes)
    return (x2 - x1) * (y2 - y1)


def _clip(x, low, high):
    return torch.minimum(torch.maximum(x, _scalar(low, x)), _scalar(high, x))


@keras_export("keras.utils.bounding_boxes.clip_to_image_size")
def clip_to_image_size(bounding_boxes, height=None, width=None, bounding_box_format="xyxy"):
    """Clip `{"boxes", "labels"}` to the image (`"xyxy"`: `[0, width] x [0, height]`; `"rel_xyxy"`:
    `[0, 1]`); boxes left with no area get label -1."""
    if bounding_box_format not in ("xyxy", "rel_xyxy"):
        raise NotImplementedError(
            "`clip_to_image_size` supports bounding_box_format='xyxy' or 'rel_xyxy'. Convert the boxes with "
            f"`convert_format` first. Received: bounding_box_format={bounding_box_format}")
    if bounding_box_format == "xyxy" and (height is None or width is None):
        raise ValueError("`height` and `width` must be set if `format='xyxy'`.")
    boxes = to_tensor(bounding_boxes["boxes"])
    labels = bounding_boxes.get("labels", None)
    if bounding_box_format == "xyxy":
        high_x, high_y = width, height
    else:
        high_x, high_y = 1.0, 1.0
    x1, y1, x2, y2 = _split(boxes)
    boxes = _join(_clip(x1, 0, high_x), _clip(y1, 0, high_y), _clip(x2, 0, high_x), _clip(y2, 0, high_y))
    result = dict(bounding_boxes)
    result["boxes"] = boxes
    if labels is not None:
        labels = to_tensor(labels, device=boxes.device)
        areas = _area(boxes).squeeze(-1)
        result["labels"] = torch.where(areas > 0, labels, torch.full_like(labels, -1))
    return result


def _as_batch_vector(value, like):
    value = _scalar(value, like)
    return value.reshape(-1) if value.dim() != 1 else value


def inverse_affine_matrix(center_x, center_y, angle, translate_x, translate_y, scale, shear_x, shear_y, height,
                          width):
    """`(batch, 3, 3)` matrices mapping input pixel coordinates to output ones for the forward affine
    transform of Keras's layers (angles and shears in degrees; translations as fractions of the size)."""
    batch = angle.shape[0]
    angle, shear_x, shear_y = -angle, -shear_x, -shear_y
    cx = center_x * (width - 1)
    cy = center_y * (height - 1)
    rot = angle * (1.0 / 180.0 * math.pi)
    tx = -translate_x * (width - 1)
    ty = -translate_y * (height - 1)
    sx = shear_x * (1.0 / 180.0 * math.pi)
    sy = shear_y * (1.0 / 180.0 * math.pi)
    cos_sy, tan_sx = torch.cos(sy), torch.tan(sx)
    rot_minus_sy = rot - sy
    cx_plus_tx, cy_plus_ty = cx + tx, cy + ty
    a = torch.cos(rot_minus_sy) / cos_sy
    b = a * tan_sx + torch.sin(rot)
    c = -torch.sin(rot_minus_sy) / cos_sy
    d = torch.cos(rot) - c * tan_sx
    a0, a1, b0, b1 = d * scale, -b * scale, -c * scale, a * scale
    a2 = cx - a0 * cx_plus_tx - a1 * cy_plus_ty
    b2 = cy - b0 * cx_plus_tx - b1 * cy_plus_ty
    zeros = torch.zeros(batch, dtype=angle.dtype, device=angle.device)
    ones = torch.ones(batch, dtype=angle.dtype, device=angle.device)
    return torch.stack([a0, a1, a2, b0, b1, b2, zeros, zeros, ones], dim=-1).reshape(batch, 3, 3)


@keras_export("keras.utils.bounding_boxes.affine_transform")
def affine_transform(boxes, angle, translate_x, translate_y, scale, shear_x, shear_y, height, width,
                     center_x=None, center_y=None, bounding_box_format="xyxy"):
    """Move `"xyxy"` boxes `(batch, N, 4)` (or `(N, 4)`) through the affine transform of the image layers
    (rotation `angle` and shears in degrees, translations as fractions of `width`/`height`, `scale`, about
    the center `(center_x, center_y)`, fractions defaulting to 0.5); each result is the box around the four
    moved corners."""
    if bounding_box_format != "xyxy":
        raise NotImplementedError(
            "`affine_transform` supports bounding_box_format='xyxy'. Convert the boxes with `convert_format` "
            f"first. Received: bounding_box_format={bounding_box_format}")
    angle = to_tensor(angle)
    if not angle.is_floating_point():
        angle = angle.float()
    angle = angle.reshape(-1)
    vector = [_as_batch_vector(v, angle) for v in (translate_x, translate_y, scale, shear_x, shear_y)]
    boxes = to_tensor(boxes, device=angle.device)
    unbatched = boxes.dim() == 2
    if unbatched:
        boxes = boxes.unsqueeze(0)
    matrix = inverse_affine_matrix(0.5 if center_x is None else center_x, 0.5 if center_y is None else center_y,
                                   angle, *vector, height, width)
    boxes = boxes.to(matrix.dtype)
    batch, n = boxes.shape[0], boxes.shape[1]
    x1, y1, x2, y2 = boxes.unbind(-1)
    corners = torch.stack([x1, y1, x2, y1, x2, y2, x1, y2], dim=-1).reshape(batch, n, 4, 2)
    corners = torch.cat([corners, torch.ones_like(corners[..., :1])], dim=-1)
    moved = torch.einsum("bnxy,byz->bnxz", corners, matrix[:, :2, :].transpose(1, 2))
    out = torch.cat([moved.amin(dim=2), moved.amax(dim=2)], dim=-1)
    return out.squeeze(0) if unbatched else out


@keras_export("keras.utils.bounding_boxes.crop")
def crop(boxes, top, left, height, width, bounding_box_format="xyxy"):
    """Express `"xyxy"` boxes in the frame of the crop `(top, left, height, width)`, clipped to it."""
    if bounding_box_format != "xyxy":
        raise NotImplementedError(
            "`crop` supports bounding_box_format='xyxy'. Convert the boxes with `convert_format` first. "
            f"Received: bounding_box_format={bounding_box_format}")
    boxes = to_tensor(boxes)
    x1, y1, x2, y2 = _split(boxes)
    return _join(_clip(x1 - left, 0, width), _clip(y1 - top, 0, height), _clip(x2 - left, 0, width),
                 _clip(y2 - top, 0, height))


@keras_export("keras.utils.bounding_boxes.pad")
def pad(boxes, top, left, height=None, width=None, bounding_box_format="xyxy"):
    """Shift `"xyxy"` boxes by the `top` and `left` padding added to their image."""
    if bounding_box_format != "xyxy":
        raise NotImplementedError(
            "`pad` supports bounding_box_format='xyxy'. Convert the boxes with `convert_format` first. "
            f"Received: bounding_box_format={bounding_box_format}")
    boxes = to_tensor(boxes)
    x1, y1, x2, y2 = _split(boxes)
    return _join(x1 + left, y1 + top, x2 + left, y2 + top)


def _check_variance(variance):
    if variance is None:
        return None
    variance = to_tensor(variance, "float32")
    if variance.shape[-1] != 4:
        raise ValueError(f"`variance` must be length 4, got {variance}")
    return variance


@keras_export("keras.utils.bounding_boxes.encode_box_to_deltas")
def encode_box_to_deltas(anchors, boxes, anchor_format, box_format, encoding_format="center_yxhw", variance=None,
                         image_shape=None):
    """Deltas of `boxes` relative to `anchors`: center offsets over the anchor size, then log size ratios
    (in `encoding_format`, `"center_yxhw"` or `"center_xywh"`), divided by `variance` when given."""
    variance = _check_variance(variance)
    if encoding_format not in ("center_xywh", "center_yxhw"):
        raise ValueError(
            f"`encoding_format` should be one of 'center_xywh' or 'center_yxhw', got {encoding_format}")
    height, width = (None, None) if image_shape is None else tuple(image_shape)[:2]
    encoded_anchors = convert_format(anchors, source=anchor_format, target=encoding_format, height=height,
                                     width=width)
    boxes = convert_format(boxes, source=box_format, target=encoding_format, height=height, width=width)
    encoded_anchors = encoded_anchors.to(boxes.device)
    anchor_dims = torch.clamp(encoded_anchors[..., 2:], min=config.epsilon())
    box_dims = torch.clamp(boxes[..., 2:], min=config.epsilon())
    deltas = torch.cat([(boxes[..., :2] - encoded_anchors[..., :2]) / anchor_dims,
                        torch.log(box_dims / anchor_dims)], dim=-1)
    if variance is not None:
        deltas = deltas / variance.to(deltas.device)
    return deltas


@keras_export("keras.utils.bounding_boxes.decode_deltas_to_boxes")
def decode_deltas_to_boxes(anchors, boxes_delta, anchor_format, box_format, encoded_format="center_yxhw",
                           variance=None, image_shape=None):
    """Boxes in `box_format` from deltas relative to `anchors` (the inverse of `encode_box_to_deltas`);
    `anchors` and `boxes_delta` may be dicts of levels."""
    variance = _check_variance(variance)
    if encoded_format not in ("center_xywh", "center_yxhw"):
        raise ValueError(f"`encoded_format` should be 'center_xywh' or 'center_yxhw', but got '{encoded_format}'.")
    height, width = (None, None) if image_shape is None else tuple(image_shape)[:2]

    def decode(anchor, delta):
        encoded_anchor = convert_format(anchor, source=anchor_format, target=encoded_format, height=height,
                                        width=width)
        delta = to_tensor(delta, device=encoded_anchor.device)
        if variance is not None:
            delta = delta * variance.to(delta.device)
        box = torch.cat([delta[..., :2] * encoded_anchor[..., 2:] + encoded_anchor[..., :2],
                         torch.exp(delta[..., 2:]) * encoded_anchor[..., 2:]], dim=-1)
        return convert_format(box, source=encoded_format, target=box_format, height=height, width=width)

    if isinstance(anchors, dict) and isinstance(boxes_delta, dict):
        return {level: decode(anchor, boxes_delta[level]) for level, anchor in anchors.items()}
    return decode(anchors, boxes_delta)
