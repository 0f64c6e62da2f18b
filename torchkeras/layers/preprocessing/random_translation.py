"""`keras.layers.RandomTranslation` lives in `image_preprocessing/`; this module keeps the old import path working."""
from torchkeras.layers.preprocessing.image_preprocessing.random_translation import RandomTranslation  # noqa: F401
