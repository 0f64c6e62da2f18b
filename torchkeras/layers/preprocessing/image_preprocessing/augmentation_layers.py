"""The operations that `AugMix` and `RandAugment` choose from, built with a shared `factor`."""
from torchkeras.layers.preprocessing.image_preprocessing.auto_contrast import AutoContrast
from torchkeras.layers.preprocessing.image_preprocessing.equalization import Equalization
from torchkeras.layers.preprocessing.image_preprocessing.random_brightness import RandomBrightness
from torchkeras.layers.preprocessing.image_preprocessing.random_color_degeneration import \
    RandomColorDegeneration
from torchkeras.layers.preprocessing.image_preprocessing.random_contrast import RandomContrast
from torchkeras.layers.preprocessing.image_preprocessing.random_posterization import RandomPosterization
from torchkeras.layers.preprocessing.image_preprocessing.random_rotation import RandomRotation
from torchkeras.layers.preprocessing.image_preprocessing.random_sharpness import RandomSharpness
from torchkeras.layers.preprocessing.image_preprocessing.random_shear import RandomShear
from torchkeras.layers.preprocessing.image_preprocessing.random_translation import RandomTranslation
from torchkeras.layers.preprocessing.image_preprocessing.solarization import Solarization


def build_augmentation_layers(owner, names, factor, value_range, interpolation, seed, data_format, kwargs):
    """Set `owner.<name>` for each operation name (Keras's attribute names), configured like Keras."""
    kwargs = {k: v for k, v in kwargs.items() if k not in ("name", "input_shape", "batch_input_shape")}
    common = dict(seed=seed, data_format=data_format, **kwargs)
    makers = {
        "random_shear": lambda: RandomShear(x_factor=factor, y_factor=factor, interpolation=interpolation, **common),
        "random_translation": lambda: RandomTranslation(height_factor=factor, width_factor=factor,
                                                        interpolation=interpolation, **common),
        "random_rotation": lambda: RandomRotation(factor=factor, interpolation=interpolation, **common),
        "random_brightness": lambda: RandomBrightness(factor=factor, value_range=value_range, **common),
        "random_color_degeneration": lambda: RandomColorDegeneration(factor=factor, value_range=value_range,
                                                                     **common),
        "random_contrast": lambda: RandomContrast(factor=factor, value_range=value_range, **common),
        "random_sharpness": lambda: RandomSharpness(factor=factor, value_range=value_range, **common),
        "solarization": lambda: Solarization(addition_factor=factor, threshold_factor=factor, value_range=value_range,
                                             **common),
        "random_posterization": lambda: RandomPosterization(factor=max(1, int(8 * factor[1])),
                                                            value_range=value_range, **common),
        "auto_contrast": lambda: AutoContrast(value_range=value_range, data_format=data_format, **kwargs),
        "equalization": lambda: Equalization(value_range=value_range, data_format=data_format, **kwargs),
    }
    for name in names:
        setattr(owner, name, makers[name]())
