"""`keras.utils.bounding_boxes`: bounding box formats, clipping, geometric transforms and IoU."""
from torchkeras.utils.bounding_boxes.converters import affine_transform
from torchkeras.utils.bounding_boxes.converters import clip_to_image_size
from torchkeras.utils.bounding_boxes.converters import convert_format
from torchkeras.utils.bounding_boxes.converters import crop
from torchkeras.utils.bounding_boxes.converters import decode_deltas_to_boxes
from torchkeras.utils.bounding_boxes.converters import encode_box_to_deltas
from torchkeras.utils.bounding_boxes.converters import pad
from torchkeras.utils.bounding_boxes.iou import compute_ciou
from torchkeras.utils.bounding_boxes.iou import compute_iou

__all__ = ["affine_transform", "clip_to_image_size", "compute_ciou", "compute_iou", "convert_format", "crop",
           "decode_deltas_to_boxes", "encode_box_to_deltas", "pad"]
