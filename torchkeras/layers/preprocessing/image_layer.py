"""Shared machinery of the image preprocessing layers: data format, `factor` ranges, seeded draws,
single images vs batches, and `{"images": ...}` dict inputs."""
import math

import torch

from torchkeras.backend import config
from torchkeras.backend.dtypes import to_torch_dtype
from torchkeras.layers.layer import Layer
from torchkeras.layers.preprocessing.tensor_inputs import to_tensor


def parse_factor(factor, bounds, message):
    """A number `f` gives `(max(-f, low), f)`; a pair is sorted. Values must lie within `bounds`."""
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or factor[0] > bounds[1] or factor[1] < bounds[0]:
            raise ValueError(message)
        return tuple(sorted(factor))
    if isinstance(factor, (int, float)) and not isinstance(factor, bool):
        if factor < bounds[0] or factor > bounds[1]:
            raise ValueError(message)
        factor = abs(factor)
        return (max(-factor, bounds[0]), factor)
    raise ValueError(message)


def affine_matrix(angle, translate_x, translate_y, scale, height, width, center_x=0.5, center_y=0.5):
    """Keras's rotation/translation/scale matrix `[a0, a1, a2, b0, b1, b2, 0, 0]` per image (angle in
    degrees, rotation about the image center)."""
    angle = angle * torch.tensor(math.pi / 180.0, dtype=angle.dtype, device=angle.device)
    cx = center_x * (width - 1)
    cy = center_y * (height - 1)
    cos, sin = torch.cos(angle), torch.sin(angle)
    a0 = scale * cos
    a1 = scale * -sin
    a2 = translate_x + cx - cx * a0 - cy * a1
    b0 = scale * sin
    b1 = scale * cos
    b2 = translate_y + cy - cx * b0 - cy * b1
    zeros = torch.zeros_like(a0)
    return torch.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], dim=1)


class ImagePreprocessingLayer(Layer):
    """Base of the image layers: `call(data, training=True)` on a `(H, W, C)` image, a `(B, H, W, C)` batch
    (channels_last) or a dict with an `"images"` entry (other entries pass through).

    Like Keras, the random layers transform only in training mode; called directly (outside `fit`) the
    `training` argument defaults to True, and `predict`/`evaluate` run them in inference mode.
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = config.standardize_data_format(data_format)

    # -- helpers ------------------------------------------------------------------------------------------
    def _make_seed_generator(self, seed):
        from torchkeras.random.seed_generator import SeedGenerator

        self.seed = seed
        # Not a weight (Keras doesn't list it in `layer.weights`): kept out of torch's parameter registry.
        self.__dict__["generator"] = SeedGenerator(seed)

    def _generator(self, device):
        from torchkeras.random.seed_generator import torch_generator

        return torch_generator(self.__dict__["generator"], device)

    def _uniform(self, shape, low, high, like):
        gen = self._generator(like.device)
        dtype = like.dtype if like.is_floating_point() else torch.float32
        return torch.rand(shape, generator=gen, device=like.device, dtype=dtype) * (high - low) + low

    def _hw_axes(self, rank):
        if self.data_format == "channels_first":
            return rank - 2, rank - 1
        return rank - 3, rank - 2

    def _compute_tensor(self, images):
        return to_tensor(images, to_torch_dtype(self.compute_dtype))

    @staticmethod
    def _check_rank(images):
        if images.dim() not in (3, 4):
            raise ValueError(
                "Expected image tensor to have rank 3 (single image) or 4 (batch of images). "
                f"Received: data.shape={tuple(images.shape)}")

    # -- the call -----------------------------------------------------------------------------------------
    def call(self, data, training=True):
        if training is None:
            training = True
        if isinstance(data, dict):
            if "bounding_boxes" in data or "segmentation_masks" in data:
                raise ValueError(
                    f"{type(self).__name__} in torchkeras transforms `images` only: bounding boxes and "
                    "segmentation masks are not supported. Pass `{'images': ..., 'labels': ...}` or the images.")
            data = dict(data)
            data["images"] = self._call_images(to_tensor(data["images"]), bool(training))
            return data
        return self._call_images(to_tensor(data), bool(training))

    def _call_images(self, images, training):
        self._check_rank(images)
        unbatched = images.dim() == 3
        if unbatched:
            images = images.unsqueeze(0)
        out = self.transform_images(images, training)
        return out.squeeze(0) if unbatched else out

    def transform_images(self, images, training):
        """Transform a batch of images (rank 4)."""
        raise NotImplementedError

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config_ = super().get_config()
        config_["data_format"] = self.data_format
        return config_
