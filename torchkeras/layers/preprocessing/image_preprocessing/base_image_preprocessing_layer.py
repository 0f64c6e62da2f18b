"""`BaseImagePreprocessingLayer`: the base of Keras's image preprocessing and augmentation layers.

A call draws one random transformation for the batch (`get_random_transformation`), then applies it to
each part of the input: `transform_images`, and for dict inputs `{"images", "labels", "bounding_boxes",
"segmentation_masks"}` also `transform_labels`, `transform_bounding_boxes` and
`transform_segmentation_masks`. A single image `(H, W, C)` is handled as a batch of one. Subclasses
override these public methods exactly as in Keras; randomness comes from the layer's seed generator
(`seed=` makes the draws reproducible), through torch generators.
"""
import math

import torch

from torchkeras.backend import config
from torchkeras.backend.device import get_device
from torchkeras.backend.dtypes import to_torch_dtype
from torchkeras.layers.layer import Layer
from torchkeras.layers.preprocessing.tensor_inputs import to_tensor
from torchkeras.random.seed_generator import SeedGenerator
from torchkeras.random.seed_generator import torch_generator
from torchkeras.utils.bounding_boxes.validation import densify_bounding_boxes


class TorchBackend:
    """What Keras's data layers reach through `self.backend`: the `keras.ops` namespaces on torch
    (`self.backend.numpy.where`, `self.backend.image.affine_transform`, `self.backend.random.uniform`,
    `self.backend.cast`, ...). torchkeras has one backend, so switching is refused."""

    name = "torch"
    _backend = "torch"

    def set_backend(self, backend):
        if backend != "torch":
            raise ValueError(f"torchkeras runs on torch only. Received: backend={backend}")

    def reset(self):
        pass

    def __getattr__(self, name):
        import torchkeras.ops as ops

        if name == "random":
            import torchkeras.random as random

            return random
        if name == "core":
            import torchkeras.ops.core as core

            return core
        return getattr(ops, name)


def images_of(data):
    """The images of a call's input (the `"images"` entry of a dict)."""
    return data["images"] if isinstance(data, dict) else data


class BaseImagePreprocessingLayer(Layer):
    """Base class of the image preprocessing layers (`keras.layers.RandomFlip` and the others).

    Args:
        factor: for layers using the shared `factor` argument, a number or a pair, validated against
            `_FACTOR_BOUNDS` (a number `f` means `(max(-f, low), f)`).
        bounding_box_format: the format of `bounding_boxes` in dict inputs (e.g. `"xyxy"`).
        data_format: `"channels_last"` (default) or `"channels_first"`.
    """

    _USE_BASE_FACTOR = True
    _FACTOR_BOUNDS = (-1, 1)
    backend = TorchBackend()

    def __init__(self, factor=None, bounding_box_format=None, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.bounding_box_format = bounding_box_format
        self.data_format = config.standardize_data_format(data_format)
        if self._USE_BASE_FACTOR:
            self._set_factor(factor or 0.0)
        elif factor is not None:
            raise ValueError(
                f"Layer {self.__class__.__name__} does not take a `factor` argument. Received: factor={factor}")

    def _set_factor(self, factor):
        low, high = self._FACTOR_BOUNDS
        error_msg = ("The `factor` argument should be a number (or a list of two numbers) in the range "
                     f"[{low}, {high}]. Received: factor={factor}")
        if isinstance(factor, (tuple, list)):
            if len(factor) != 2 or factor[0] > high or factor[1] < low:
                raise ValueError(error_msg)
            lower, upper = sorted(factor)
        elif isinstance(factor, (int, float)):
            if factor < low or factor > high:
                raise ValueError(error_msg)
            factor = abs(factor)
            lower, upper = max(-factor, low), factor
        else:
            raise ValueError(error_msg)
        self.factor = lower, upper

    def _get_seed_generator(self, backend=None):
        if not hasattr(self, "seed") or not hasattr(self, "generator"):
            raise ValueError(
                "The `seed` and `generator` variable must be set in the `__init__` method before calling "
                "`_get_seed_generator()`.")
        return self.generator

    # -- the public hooks (override these) ----------------------------------------------------------------
    def get_random_transformation(self, data, training=True, seed=None):
        return None

    def _transform_images(self, images, transformation, interpolation):
        raise NotImplementedError()

    def transform_images(self, images, transformation, training=True):
        images = self._cast(images)
        if training:
            images = self._transform_images(images, transformation, self.interpolation)
        return images

    def transform_labels(self, labels, transformation, training=True):
        raise NotImplementedError()

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        raise NotImplementedError()

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        if training:
            segmentation_masks = self._transform_images(segmentation_masks, transformation, "nearest")
        return segmentation_masks

    def transform_single_image(self, image, transformation, training=True):
        images = to_tensor(image).unsqueeze(0)
        return self.transform_images(images, transformation=transformation, training=training).squeeze(0)

    def transform_single_label(self, label, transformation, training=True):
        labels = to_tensor(label).unsqueeze(0)
        return self.transform_labels(labels, transformation=transformation, training=training).squeeze(0)

    def transform_single_bounding_box(self, bounding_box, transformation, training=True):
        bounding_boxes = self._format_single_input_bounding_box(bounding_box)
        outputs = self.transform_bounding_boxes(bounding_boxes, transformation=transformation, training=training)
        return self._format_single_output_bounding_box(outputs)

    def transform_single_segmentation_mask(self, segmentation_mask, transformation, training=True):
        masks = to_tensor(segmentation_mask).unsqueeze(0)
        return self.transform_segmentation_masks(masks, transformation=transformation,
                                                 training=training).squeeze(0)

    # -- the call -----------------------------------------------------------------------------------------
    def _is_batched(self, maybe_image_batch):
        shape = tuple(maybe_image_batch.shape)
        if len(shape) == 3:
            return False
        if len(shape) == 4:
            return True
        raise ValueError(
            f"Expected image tensor to have rank 3 (single image) or 4 (batch of images). Received: data.shape={shape}")

    def call(self, data, training=True):
        training = True if training is None else training
        if not isinstance(data, dict):
            data = to_tensor(data)
            transformation = self.get_random_transformation(data, training=training)
            if self._is_batched(data):
                return self.transform_images(data, transformation=transformation, training=training)
            return self.transform_single_image(data, transformation=transformation, training=training)
        data = dict(data)
        data["images"] = to_tensor(data["images"])
        transformation = self.get_random_transformation(data, training=training)
        is_batched = self._is_batched(data["images"])
        if is_batched:
            data["images"] = self.transform_images(data["images"], transformation=transformation, training=training)
        else:
            data["images"] = self.transform_single_image(data["images"], transformation=transformation,
                                                         training=training)
        if "bounding_boxes" in data:
            if not self.bounding_box_format:
                raise ValueError(
                    "You passed an input with a 'bounding_boxes' key, but you didn't specify a bounding box "
                    f"format. Pass a `bounding_box_format` argument to your {self.__class__.__name__} layer, "
                    "e.g. `bounding_box_format='xyxy'`.")
            bounding_boxes = densify_bounding_boxes(data["bounding_boxes"], is_batched=is_batched)
            if is_batched:
                data["bounding_boxes"] = self.transform_bounding_boxes(bounding_boxes, transformation=transformation,
                                                                       training=training)
            else:
                data["bounding_boxes"] = self.transform_single_bounding_box(
                    bounding_boxes, transformation=transformation, training=training)
        if "labels" in data:
            labels = to_tensor(data["labels"])
            if is_batched:
                data["labels"] = self.transform_labels(labels, transformation=transformation, training=training)
            else:
                data["labels"] = self.transform_single_label(labels, transformation=transformation,
                                                             training=training)
        if "segmentation_masks" in data:
            masks = to_tensor(data["segmentation_masks"])
            if is_batched:
                data["segmentation_masks"] = self.transform_segmentation_masks(
                    masks, transformation=transformation, training=training)
            else:
                data["segmentation_masks"] = self.transform_single_segmentation_mask(
                    masks, transformation=transformation, training=training)
        return data

    def _format_single_input_bounding_box(self, bounding_box):
        bounding_box = dict(bounding_box)
        for key in ("boxes", "labels"):
            if key in bounding_box:
                bounding_box[key] = bounding_box[key].unsqueeze(0)
        return bounding_box

    def _format_single_output_bounding_box(self, bounding_boxes):
        bounding_boxes = dict(bounding_boxes)
        for key in ("boxes", "labels"):
            if key in bounding_boxes:
                bounding_boxes[key] = bounding_boxes[key].squeeze(0)
        return bounding_boxes

    def get_config(self):
        config_ = super().get_config()
        config_.update({"data_format": self.data_format})
        if self.bounding_box_format is not None:
            config_.update({"bounding_box_format": self.bounding_box_format})
        return config_

    # -- helpers shared by the layers ---------------------------------------------------------------------
    def _transform_value_range(self, images, original_range, target_range, dtype="float32"):
        """Map values linearly from `original_range` to `target_range` (computed in `dtype`)."""
        if original_range[0] == target_range[0] and original_range[1] == target_range[1]:
            return images
        images = to_tensor(images).to(to_torch_dtype(dtype))
        original_min, original_max = self._unwrap_value_range(original_range, dtype=dtype)
        target_min, target_max = self._unwrap_value_range(target_range, dtype=dtype)
        images = (images - original_min) / (original_max - original_min)
        return images * (target_max - target_min) + target_min

    def _unwrap_value_range(self, value_range, dtype="float32"):
        min_value, max_value = value_range
        torch_dtype = to_torch_dtype(dtype)
        return torch.as_tensor(min_value).to(torch_dtype), torch.as_tensor(max_value).to(torch_dtype)

    def _compute_affine_matrix(self, center_x, center_y, angle, translate_x, translate_y, scale, shear_x, shear_y,
                               height, width):
        """`(batch, 8)` projective transforms (output pixel -> input pixel) of scale * shear * rotation about
        `(center_x, center_y)` (fractions of the size) plus a translation in pixels; angles in degrees."""
        radians = math.pi / 180.0
        angle = angle * radians
        shear_x = torch.tan(shear_x * radians)
        shear_y = torch.tan(shear_y * radians)
        cx = center_x * (float(width) - 1)
        cy = center_y * (float(height) - 1)
        cos, sin = torch.cos(angle), torch.sin(angle)
        a0 = scale * (cos + shear_x * sin)
        a1 = scale * (-sin + shear_x * cos)
        a2 = translate_x + cx - cx * a0 - cy * a1
        b0 = scale * (shear_y * cos + sin)
        b1 = scale * (shear_y * -sin + cos)
        b2 = translate_y + cy - cx * b0 - cy * b1
        zeros = torch.zeros_like(a0)
        return torch.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], dim=1)

    def _cast(self, images):
        """`images` as a tensor in the layer's compute dtype."""
        return to_tensor(images, to_torch_dtype(self.compute_dtype))

    def _torch_generator(self, seed, images):
        """A torch generator for one transformation: from `seed` (an int or a `SeedGenerator`) or, by
        default, from the layer's seed generator (advancing it)."""
        if seed is None:
            seed = self._get_seed_generator()
        return torch_generator(seed, self._device(images))

    @staticmethod
    def _device(images):
        return images.device if isinstance(images, torch.Tensor) else torch.device(get_device())

    def _spatial_axes(self, rank):
        """(height axis, width axis, channel axis) of images of `rank` 3 or 4, counted from the end."""
        if self.data_format == "channels_first":
            return -2, -1, -3
        return -3, -2, -1

    def _height_width(self, shape):
        height_axis, width_axis, _ = self._spatial_axes(len(shape))
        return shape[height_axis], shape[width_axis]

    @staticmethod
    def _batch_size(images):
        shape = tuple(images.shape)
        if len(shape) not in (3, 4):
            raise ValueError(f"Expected the input image to be rank 3 or 4. Received inputs.shape={shape}")
        return 1 if len(shape) == 3 else shape[0]

    @staticmethod
    def _uniform(generator, shape, low, high, device, dtype=torch.float32):
        """Uniform draws in `[low, high)` (like `keras.random.uniform`)."""
        draws = torch.rand(shape, generator=generator, device=device, dtype=dtype)
        return draws * (high - low) + low


def checked_value_range(value_range):
    """`value_range` as a sorted list of two numbers (Keras's validation)."""
    if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
        raise ValueError(
            f"The `value_range` argument should be a list of two numbers. Received: value_range={value_range}")
    return sorted(value_range)


def make_seed_generator(layer, seed):
    """Keras's `self.seed = seed; self.generator = SeedGenerator(seed)`."""
    layer.seed = seed
    layer.generator = SeedGenerator(seed)
