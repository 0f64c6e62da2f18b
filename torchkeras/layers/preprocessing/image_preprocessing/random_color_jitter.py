"""`keras.layers.RandomColorJitter`: random brightness, contrast, saturation and hue changes in one layer."""
from torchkeras.api_export import keras_export
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import \
    make_seed_generator
from torchkeras.layers.preprocessing.image_preprocessing.pixel_value_layer import PixelValueLayer
from torchkeras.layers.preprocessing.image_preprocessing.random_brightness import RandomBrightness
from torchkeras.layers.preprocessing.image_preprocessing.random_contrast import RandomContrast
from torchkeras.layers.preprocessing.image_preprocessing.random_hue import RandomHue
from torchkeras.layers.preprocessing.image_preprocessing.random_saturation import RandomSaturation


@keras_export("keras.layers.RandomColorJitter")
class RandomColorJitter(PixelValueLayer):
    """Apply, in this order and during training only, `RandomBrightness(brightness_factor)`,
    `RandomContrast(contrast_factor)`, `RandomSaturation(saturation_factor)` and `RandomHue(hue_factor)`
    (each only when its factor is given), all with this layer's `value_range`; the draws come from this
    layer's seed. Outputs are floats."""

    def __init__(self, value_range=(0, 255), brightness_factor=None, contrast_factor=None, saturation_factor=None,
                 hue_factor=None, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = value_range
        self.brightness_factor = brightness_factor
        self.contrast_factor = contrast_factor
        self.saturation_factor = saturation_factor
        self.hue_factor = hue_factor
        make_seed_generator(self, seed)
        self.random_brightness = None
        self.random_contrast = None
        self.random_saturation = None
        self.random_hue = None
        if brightness_factor is not None:
            self.random_brightness = RandomBrightness(factor=brightness_factor, value_range=value_range, seed=seed)
        if contrast_factor is not None:
            self.random_contrast = RandomContrast(factor=contrast_factor, value_range=value_range, seed=seed,
                                                  data_format=data_format)
        if saturation_factor is not None:
            self.random_saturation = RandomSaturation(factor=saturation_factor, value_range=value_range, seed=seed,
                                                      data_format=data_format)
        if hue_factor is not None:
            self.random_hue = RandomHue(factor=hue_factor, value_range=value_range, seed=seed,
                                        data_format=data_format)

    def _sublayers_in_order(self):
        return [layer for layer in (self.random_brightness, self.random_contrast, self.random_saturation,
                                    self.random_hue) if layer is not None]

    def build(self, input_shape):
        for layer in self._sublayers_in_order():
            layer.build(input_shape)
        self.built = True

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        images = self._cast(images)
        for layer in self._sublayers_in_order():
            layer_transformation = layer.get_random_transformation(images, seed=self._get_seed_generator())
            images = layer.transform_images(images, layer_transformation)
        return self._cast(images)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"value_range": self.value_range, "brightness_factor": self.brightness_factor,
                       "contrast_factor": self.contrast_factor, "saturation_factor": self.saturation_factor,
                       "hue_factor": self.hue_factor, "seed": self.seed})
        return config
