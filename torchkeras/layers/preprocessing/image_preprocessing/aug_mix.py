"""`keras.layers.AugMix`: mix several chains of random augmentations with the original image."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.layers.preprocessing.image_preprocessing.augmentation_layers import build_augmentation_layers
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import \
    BaseImagePreprocessingLayer
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import images_of
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import \
    make_seed_generator
from torchkeras.layers.preprocessing.image_preprocessing.random_draws import beta
from torchkeras.layers.preprocessing.image_preprocessing.random_draws import dirichlet

AUGMENT_LAYERS_ALL = ["random_shear", "random_translation", "random_rotation", "random_posterization", "solarization",
                      "auto_contrast", "equalization", "random_brightness", "random_color_degeneration",
                      "random_contrast", "random_sharpness"]
AUGMENT_LAYERS = ["random_shear", "random_translation", "random_rotation", "random_posterization", "solarization",
                  "auto_contrast", "equalization"]


@keras_export("keras.layers.AugMix")
class AugMix(BaseImagePreprocessingLayer):
    """AugMix (Hendrycks et al.): during training, run `num_chains` chains of up to `chain_depth` randomly
    chosen operations (shear, translation, rotation, posterization, solarization, auto-contrast,
    equalization, and with `all_ops` also brightness, color degeneration, contrast, sharpness; strength
    `factor`), mix the chains with Dirichlet(`alpha`) weights, and blend the mix with the original image by
    a Beta(`alpha`, `alpha`) weight. Outputs are floats clipped to `value_range`."""

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, value_range=(0, 255), num_chains=3, chain_depth=3, factor=0.3, alpha=1.0, all_ops=True,
                 interpolation="bilinear", seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = value_range
        self.num_chains = num_chains
        self.chain_depth = chain_depth
        self._set_factor(factor)
        self.alpha = alpha
        self.all_ops = all_ops
        self.interpolation = interpolation
        make_seed_generator(self, seed)
        self._augment_layers = AUGMENT_LAYERS_ALL if all_ops else AUGMENT_LAYERS
        build_augmentation_layers(self, self._augment_layers, self.factor, value_range, interpolation, seed,
                                  data_format, kwargs)

    def build(self, input_shape):
        for name in self._augment_layers:
            getattr(self, name).build(input_shape)
        self.built = True

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = images_of(data)
        device = self._device(images)
        gen = self._torch_generator(seed, images)
        chain_mixing_weights = dirichlet(gen, self.alpha, (self.num_chains,), device)
        weight_sample = beta(gen, self.alpha, self.alpha, (), device)
        choices = torch.randint(0, len(self._augment_layers) + 1, (self.num_chains, self.chain_depth), generator=gen,
                                device=device).tolist()
        chain_transforms = []
        for chain in choices:
            depth_transforms = []
            for choice in chain:
                if choice == len(self._augment_layers):  # the "no operation" choice
                    continue
                name = self._augment_layers[choice]
                layer_seed = int(torch.randint(0, 2 ** 31 - 1, (), generator=gen, device=device))
                depth_transforms.append({"layer_name": name,
                                         "transformation": getattr(self, name).get_random_transformation(
                                             data, seed=layer_seed)})
            chain_transforms.append(depth_transforms)
        return {"chain_mixing_weights": chain_mixing_weights, "weight_sample": weight_sample,
                "chain_transforms": chain_transforms}

    def _mix(self, values, transformation, transform):
        weights = self._cast(transformation["chain_mixing_weights"]).to(values.device)
        weight_sample = self._cast(transformation["weight_sample"]).to(values.device)
        mixed = torch.zeros_like(values)
        for index, chain in enumerate(transformation["chain_transforms"]):
            chained = values.clone()
            for step in chain:
                chained = transform(getattr(self, step["layer_name"]), chained, step["transformation"])
            mixed = mixed + chained * weights[index]
        return weight_sample * values + (1 - weight_sample) * mixed

    def transform_images(self, images, transformation, training=True):
        images = self._cast(images)
        if training:
            images = self._mix(images, transformation, lambda layer, x, t: layer.transform_images(x, t))
            images = torch.clamp(images, self.value_range[0], self.value_range[1])
        return self._cast(images)

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        return bounding_boxes

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        if not training:
            return segmentation_masks
        return self._mix(segmentation_masks, transformation,
                         lambda layer, x, t: layer.transform_segmentation_masks(x, t))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"value_range": self.value_range, "num_chains": self.num_chains,
                       "chain_depth": self.chain_depth, "factor": self.factor, "alpha": self.alpha,
                       "all_ops": self.all_ops, "interpolation": self.interpolation, "seed": self.seed})
        return config
