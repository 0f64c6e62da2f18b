"""`keras.layers.RandomContrast` lives in `image_preprocessing/`; this module keeps the old import path working."""
from torchkeras.layers.preprocessing.image_preprocessing.random_contrast import RandomContrast  # noqa: F401
