"""`keras.visualization.draw_bounding_boxes`: boxes (and class labels) drawn onto a batch of images."""
import numpy as np

from torchkeras.api_export import keras_export
from torchkeras.visualization import image_arrays


@keras_export("keras.visualization.draw_bounding_boxes")
def draw_bounding_boxes(images, bounding_boxes, bounding_box_format, class_mapping=None, color=(128, 128, 128),
                        line_thickness=2, text_thickness=1, font_scale=1.0, data_format=None):
    """Draw bounding boxes on a batch of images; returns the annotated images as a uint8 NumPy array of the
    input's shape.

    Args:
        images: 4D images (tensor or array); floats in [0, 1] are scaled to [0, 255].
        bounding_boxes: dict with `"boxes"` `(batch, num_boxes, 4)` and `"labels"` `(batch, num_boxes)`
            (label -1: padding, not drawn), optionally `"confidences"` `(batch, num_boxes)`.
        bounding_box_format: `"xyxy"`, `"yxyx"`, `"xywh"`, `"center_xywh"`, `"center_yxhw"` or a `"rel_"`
            variant (coordinates relative to the image size).
        class_mapping: `{class_id: name}`; boxes of mapped classes get their name (and confidence) written.
        color: RGB color of boxes and text. line_thickness, text_thickness, font_scale: drawing sizes.
        data_format: `"channels_last"` or `"channels_first"` (default: `image_data_format()`).
    """
    class_mapping = class_mapping or {}
    text_thickness = text_thickness or line_thickness
    images = image_arrays.to_numpy(images)
    image_arrays.check_batched(images)
    if not isinstance(bounding_boxes, dict):
        raise TypeError(f"`bounding_boxes` should be a dict. Received: bounding_boxes={bounding_boxes} of type "
                        f"{type(bounding_boxes)}")
    if "boxes" not in bounding_boxes or "labels" not in bounding_boxes:
        raise ValueError("`bounding_boxes` should be a dict containing 'boxes' and 'labels' keys. Received: "
                         f"bounding_boxes={bounding_boxes}")
    hwc = image_arrays.channels_last(images, data_format)
    height, width = hwc.shape[1], hwc.shape[2]
    boxes = image_arrays.boxes_to_xyxy(bounding_boxes["boxes"], bounding_box_format, height, width)
    labels = image_arrays.to_numpy(bounding_boxes["labels"])
    confidences = bounding_boxes.get("confidences")
    confidences = None if confidences is None else image_arrays.to_numpy(confidences)

    if hwc.dtype.kind == "f" and hwc.size > 0:
        hwc = np.clip(hwc, 0, 1) * 255 if hwc.max() <= 1.0 else np.clip(hwc, 0, 255)
    hwc = np.ascontiguousarray(hwc.astype("uint8"))
    for i in range(hwc.shape[0]):
        for j in range(boxes.shape[1]):
            c = int(labels[i][j])
            if c == -1:
                continue
            x1, y1, x2, y2 = (int(v) for v in boxes[i][j].astype("int32"))
            _rectangle(hwc[i], x1, y1, x2, y2, color, line_thickness)
            if c in class_mapping:
                label = str(class_mapping[c])
                if confidences is not None:
                    label = f"{label} | {confidences[i][j]:.2f}"
                hwc[i] = _text(hwc[i], label, _text_location(x1, y1, font_scale, text_thickness), color, font_scale)
    return image_arrays.restore_layout(hwc, data_format)


def _pixel_color(color, channels):
    color = np.asarray(color, dtype="float32")
    if channels == len(color):
        return color.astype("uint8")
    if channels == 1:
        return np.array([color.mean()], dtype="uint8")
    if channels == 4 and len(color) == 3:
        return np.append(color, 255).astype("uint8")
    return np.resize(color, channels).astype("uint8")


def _rectangle(image, x1, y1, x2, y2, color, thickness):
    """Draw the outline of the box `(x1, y1)-(x2, y2)` (corners included), `thickness` pixels wide, in place."""
    height, width, channels = image.shape
    value = _pixel_color(color, channels)
    thickness = max(1, int(thickness))
    lo, hi = (thickness - 1) // 2, thickness // 2
    left, right = min(x1, x2), max(x1, x2)
    top, bottom = min(y1, y2), max(y1, y2)

    def fill(r0, r1, c0, c1):
        r0, r1, c0, c1 = max(r0, 0), min(r1, height - 1), max(c0, 0), min(c1, width - 1)
        if r0 <= r1 and c0 <= c1:
            image[r0:r1 + 1, c0:c1 + 1] = value

    fill(top - lo, top + hi, left - lo, right + hi)  # top edge
    fill(bottom - lo, bottom + hi, left - lo, right + hi)  # bottom edge
    fill(top - lo, bottom + hi, left - lo, left + hi)  # left edge
    fill(top - lo, bottom + hi, right - lo, right + hi)  # right edge


def _text_location(x, y, font_scale, thickness):
    """Where the label's baseline starts: above the box, or inside it when there is no room above."""
    font_height = int(font_scale * 12)
    if y - 8 - 2 * font_height > 0:
        return x, y - 8
    return x + 3, y + 2 * font_height + thickness + 3


def _text(image, text, origin, color, font_scale):
    """`image` with `text` written from `origin` (left end of the baseline), drawn with Pillow."""
    from PIL import Image
    from PIL import ImageDraw
    from PIL import ImageFont

    channels = image.shape[-1]
    mode = {1: "L", 3: "RGB", 4: "RGBA"}.get(channels)
    if mode is None:
        return image
    canvas = Image.fromarray(image[..., 0] if channels == 1 else image, mode=mode)
    size = max(8, int(round(20 * font_scale)))
    try:
        font = ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1: fixed-size bitmap font
        font = ImageFont.load_default()
    fill = tuple(int(v) for v in _pixel_color(color, channels))
    draw = ImageDraw.Draw(canvas)
    try:
        draw.text(origin, text, fill=fill[0] if channels == 1 else fill, font=font, anchor="ls")
    except ValueError:  # bitmap fonts have no anchors
        draw.text((origin[0], origin[1] - size), text, fill=fill[0] if channels == 1 else fill, font=font)
    out = np.asarray(canvas)
    return out[..., None] if channels == 1 else out
