"""Checking the `{"boxes": ..., "labels": ...}` dicts that image layers accept, and making them dense
tensors (lists of per-image boxes are padded with `-1` labels and zero boxes)."""
import torch

from torchkeras.utils.bounding_boxes.tensors import to_tensor


def validate_bounding_boxes(bounding_boxes):
    """Raise a Keras-style error unless `bounding_boxes` is a dict of `boxes` and `labels` of matching ranks."""
    if not isinstance(bounding_boxes, dict) or "labels" not in bounding_boxes or "boxes" not in bounding_boxes:
        raise ValueError(
            "Expected `bounding_boxes` argument to be a dict with keys 'boxes' and 'labels'. Received: "
            f"bounding_boxes={bounding_boxes}")
    boxes, labels = bounding_boxes["boxes"], bounding_boxes["labels"]
    if isinstance(boxes, list):
        if not isinstance(labels, list):
            raise ValueError(
                "If `bounding_boxes['boxes']` is a list, then `bounding_boxes['labels']` must also be a list."
                f"Received: bounding_boxes['labels']={labels}")
        if len(boxes) != len(labels):
            raise ValueError(
                "If `bounding_boxes['boxes']` and `bounding_boxes['labels']` are both lists, they must have the "
                f"same length. Received: len(bounding_boxes['boxes'])={len(boxes)} and "
                f"len(bounding_boxes['labels'])={len(labels)}")
        return
    boxes_rank, labels_rank = len(tuple(boxes.shape)), len(tuple(labels.shape))
    if boxes_rank == 2:
        if labels_rank not in (1, 2):
            raise ValueError(
                f"Found bounding_boxes['boxes'].shape={tuple(boxes.shape)} and expected "
                "bounding_boxes['labels'] to have rank 1 or 2, but received: "
                f"bounding_boxes['labels'].shape={tuple(labels.shape)}")
    elif boxes_rank == 3:
        if labels_rank not in (2, 3):
            raise ValueError(
                f"Found bounding_boxes['boxes'].shape={tuple(boxes.shape)} and expected "
                "bounding_boxes['labels'] to have rank 2 or 3, but received: "
                f"bounding_boxes['labels'].shape={tuple(labels.shape)}")
    else:
        raise ValueError(
            "Expected `bounding_boxes['boxes']` to have rank 2 or 3, with shape (num_boxes, 4) or "
            f"(batch_size, num_boxes, 4). Received: bounding_boxes['boxes'].shape={tuple(boxes.shape)}")


def _pad_one(boxes, labels, max_boxes, boxes_default_value, labels_default_value):
    boxes, labels = list(boxes)[:max_boxes], list(labels)[:max_boxes]
    missing = max_boxes - len(boxes)
    return (boxes + [[boxes_default_value] * 4] * missing, labels + [labels_default_value] * missing)


def densify_bounding_boxes(bounding_boxes, is_batched=False, max_boxes=None, boxes_default_value=0,
                           labels_default_value=-1):
    """`bounding_boxes` with `boxes` as a float32 tensor and `labels` as a tensor. Ragged Python lists (one
    list of boxes per image) are padded to the longest (or cut to `max_boxes`)."""
    validate_bounding_boxes(bounding_boxes)
    boxes, labels = bounding_boxes["boxes"], bounding_boxes["labels"]
    result = dict(bounding_boxes)
    if isinstance(boxes, list) and boxes and isinstance(boxes[0], (list, tuple)) and boxes[0] and \
            isinstance(boxes[0][0], (list, tuple)):
        if any(not isinstance(l_, (list, tuple)) or any(not isinstance(v, int) for v in l_) for l_ in labels):
            raise ValueError(
                "If providing `bounding_boxes['labels']` as a list, it should contain integers labels. "
                f"Received: bounding_boxes['labels']={labels}")
        longest = max(len(b) for b in boxes) if max_boxes is None else max_boxes
        padded = [_pad_one(b, l_, longest, boxes_default_value, labels_default_value) for b, l_ in zip(boxes, labels)]
        result["boxes"] = to_tensor([p[0] for p in padded], "float32")
        result["labels"] = to_tensor([p[1] for p in padded], "int32")
        return result
    if isinstance(boxes, list) and max_boxes is not None and not is_batched:
        b, l_ = _pad_one(boxes, labels, max_boxes, boxes_default_value, labels_default_value)
        result["boxes"], result["labels"] = to_tensor(b, "float32"), to_tensor(l_, "int32")
        return result
    result["boxes"] = to_tensor(boxes, "float32")
    result["labels"] = to_tensor(labels)
    if isinstance(result["boxes"], torch.Tensor) and isinstance(result["labels"], torch.Tensor) and \
            result["labels"].device != result["boxes"].device:
        result["labels"] = result["labels"].to(result["boxes"].device)
    return result
