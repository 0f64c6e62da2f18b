"""`keras.layers.RandomRotation` lives in `image_preprocessing/`; this module keeps the old import path working."""
from torchkeras.layers.preprocessing.image_preprocessing.random_rotation import RandomRotation  # noqa: F401
