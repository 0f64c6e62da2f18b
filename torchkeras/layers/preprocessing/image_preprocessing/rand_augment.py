"""`keras.layers.RandAugment`: apply `num_ops` randomly chosen augmentations during training."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.layers.preprocessing.image_preprocessing.augmentation_layers import build_augmentation_layers
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import \
    BaseImagePreprocessingLayer
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import images_of
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import \
    make_seed_generator


@keras_export("keras.layers.RandAugment")
class RandAugment(BaseImagePreprocessingLayer):
    """RandAugment (Cubuk et al.): during training, apply `num_ops` operations drawn uniformly (one draw per
    batch) from shear, translation, rotation, brightness, color degeneration, contrast, sharpness,
    posterization, solarization, auto-contrast and equalization, all of strength `factor`. Bounding boxes
    and segmentation masks follow the chosen geometric operations. Outputs are floats."""

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)
    _AUGMENT_LAYERS = ["random_shear", "random_translation", "random_rotation", "random_brightness",
                       "random_color_degeneration", "random_contrast", "random_sharpness", "random_posterization",
                       "solarization", "auto_contrast", "equalization"]

    def __init__(self, value_range=(0, 255), num_ops=2, factor=0.5, interpolation="bilinear", seed=None,
                 data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = value_range
        self.num_ops = num_ops
        self._set_factor(factor)
        self.interpolation = interpolation
        make_seed_generator(self, seed)
        build_augmentation_layers(self, self._AUGMENT_LAYERS, self.factor, value_range, interpolation, seed,
                                  data_format, kwargs)

    def build(self, input_shape):
        for name in self._AUGMENT_LAYERS:
            getattr(self, name).build(input_shape)
        self.built = True

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = images_of(data)
        device = self._device(images)
        gen = self._torch_generator(seed, images)
        layer_idxes = torch.randint(0, len(self._AUGMENT_LAYERS), (self.num_ops,), generator=gen, device=device)
        transforms = {}
        for name in self._AUGMENT_LAYERS:
            layer_seed = int(torch.randint(0, 2 ** 31 - 1, (), generator=gen, device=device))
            transforms[name] = getattr(self, name).get_random_transformation(data, training=training, seed=layer_seed)
        return {"transforms": transforms, "layer_idxes": layer_idxes}

    def _chosen(self, transformation):
        """(layer, its transformation) for each operation, in order."""
        names = list(transformation["transforms"])
        return [(getattr(self, names[i]), transformation["transforms"][names[i]])
                for i in torch.as_tensor(transformation["layer_idxes"]).tolist()]

    def transform_images(self, images, transformation, training=True):
        images = self._cast(images)
        if training:
            for layer, layer_transformation in self._chosen(transformation):
                images = self._cast(layer.transform_images(images, layer_transformation))
        return images

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        if training:
            for layer, layer_transformation in self._chosen(transformation):
                bounding_boxes = layer.transform_bounding_boxes(dict(bounding_boxes), layer_transformation)
        return bounding_boxes

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        if training:
            for layer, layer_transformation in self._chosen(transformation):
                segmentation_masks = layer.transform_segmentation_masks(segmentation_masks, layer_transformation)
        return segmentation_masks

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"value_range": self.value_range, "num_ops": self.num_ops, "factor": self.factor,
                       "interpolation": self.interpolation, "seed": self.seed})
        return config
