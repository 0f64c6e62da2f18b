"""`keras.utils.bounding_boxes.compute_iou` and `compute_ciou`."""
import math

import torch

from torchkeras.api_export import keras_export
from torchkeras.backend import config
from torchkeras.utils.bounding_boxes.converters import convert_format


def _area(yxyx):
    y1, x1, y2, x2 = torch.split(yxyx[..., :4], 1, dim=-1)
    return ((y2 - y1) * (x2 - x1)).squeeze(-1)


def _intersection(boxes1, boxes2):
    y_min1, x_min1, y_max1, x_max1 = torch.split(boxes1[..., :4], 1, dim=-1)
    y_min2, x_min2, y_max2, x_max2 = torch.split(boxes2[..., :4], 1, dim=-1)
    t = (lambda v: v.transpose(-1, -2))
    height = torch.minimum(y_max1, t(y_max2)) - torch.maximum(y_min1, t(y_min2))
    width = torch.minimum(x_max1, t(x_max2)) - torch.maximum(x_min1, t(x_min2))
    return torch.clamp(height, min=0) * torch.clamp(width, min=0)


@keras_export("keras.utils.bounding_boxes.compute_iou")
def compute_iou(boxes1, boxes2, bounding_box_format, use_masking=False, mask_val=-1, image_shape=None):
    """Pairwise intersection over union: `(M, N)` for `(M, 4)` and `(N, 4)` boxes, `(batch, M, N)` when
    either is batched. With `use_masking`, pairs involving a box whose coordinates are all negative get
    `mask_val`."""
    rank1, rank2 = len(tuple(boxes1.shape)), len(tuple(boxes2.shape))
    if rank1 not in (2, 3):
        raise ValueError(
            f"compute_iou() expects boxes1 to be batched, or to be unbatched. Received len(boxes1.shape)={rank1}, "
            f"len(boxes2.shape)={rank2}. Expected either len(boxes1.shape)=2 AND or len(boxes1.shape)=3.")
    if rank2 not in (2, 3):
        raise ValueError(
            f"compute_iou() expects boxes2 to be batched, or to be unbatched. Received len(boxes1.shape)={rank1}, "
            f"len(boxes2.shape)={rank2}. Expected either len(boxes2.shape)=2 AND or len(boxes2.shape)=3.")
    if "rel" in bounding_box_format and image_shape is None:
        raise ValueError(
            "When using relative bounding box formats (e.g. `rel_yxyx`) the `image_shape` argument must be "
            f"provided. Received `image_shape`: {image_shape}")
    height, width = (None, None) if image_shape is None else tuple(image_shape)[:2]
    boxes1 = convert_format(boxes1, source=bounding_box_format, target="yxyx", height=height, width=width)
    boxes2 = convert_format(boxes2, source=bounding_box_format, target="yxyx", height=height, width=width)
    boxes2 = boxes2.to(boxes1.device)
    intersection = _intersection(boxes1, boxes2)
    area1 = _area(boxes1).unsqueeze(-1)
    area2 = _area(boxes2)
    area2 = area2.unsqueeze(1 if area2.dim() == 2 else 0)
    iou = intersection / (area1 + area2 - intersection + config.epsilon())
    if not use_masking:
        return iou
    mask1 = boxes1.amax(dim=-1, keepdim=True) < 0.0
    mask2 = (boxes2.amax(dim=-1, keepdim=True) < 0.0).transpose(-1, -2)
    return torch.where(mask1 | mask2, torch.full_like(iou, float(mask_val)), iou)


@keras_export("keras.utils.bounding_boxes.compute_ciou")
def compute_ciou(boxes1, boxes2, bounding_box_format, image_shape=None):
    """Complete IoU of matching boxes (`(..., 4)` each): IoU minus the normalized squared center distance
    and an aspect-ratio consistency term."""
    if "rel" in bounding_box_format:
        raise ValueError(
            "When using relative bounding box formats (e.g. `rel_yxyx`) the `image_shape` argument must be "
            f"provided. Received `image_shape`: {image_shape}")
    height, width = (None, None) if image_shape is None else tuple(image_shape)[:2]
    boxes1 = convert_format(boxes1, source=bounding_box_format, target="xyxy", height=height, width=width)
    boxes2 = convert_format(boxes2, source=bounding_box_format, target="xyxy", height=height, width=width)
    boxes2 = boxes2.to(boxes1.device)
    eps = config.epsilon()
    x_min1, y_min1, x_max1, y_max1 = torch.split(boxes1[..., :4], 1, dim=-1)
    x_min2, y_min2, x_max2, y_max2 = torch.split(boxes2[..., :4], 1, dim=-1)
    width_1, height_1 = x_max1 - x_min1, y_max1 - y_min1 + eps
    width_2, height_2 = x_max2 - x_min2, y_max2 - y_min2 + eps
    intersection = torch.clamp(torch.minimum(x_max1, x_max2) - torch.maximum(x_min1, x_min2), min=0) * \
        torch.clamp(torch.minimum(y_max1, y_max2) - torch.maximum(y_min1, y_min2), min=0)
    union = width_1 * height_1 + width_2 * height_2 - intersection + eps
    iou = (intersection / (union + eps)).squeeze(-1)
    convex_width = torch.maximum(x_max1, x_max2) - torch.minimum(x_min1, x_min2)
    convex_height = torch.maximum(y_max1, y_max2) - torch.minimum(y_min1, y_min2)
    diagonal = (convex_width ** 2 + convex_height ** 2 + eps).squeeze(-1)
    centers = (((x_min1 + x_max1) / 2 - (x_min2 + x_max2) / 2) ** 2 +
               ((y_min1 + y_max1) / 2 - (y_min2 + y_max2) / 2) ** 2).squeeze(-1)
    v = ((4 / math.pi ** 2) * (torch.atan(width_2 / height_2) - torch.atan(width_1 / height_1)) ** 2).squeeze(-1)
    alpha = v / (v - iou + (1 + eps))
    return iou - (centers / diagonal + v * alpha)
