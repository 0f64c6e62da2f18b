"""`keras.layers.RandomFlip` lives in `image_preprocessing/`; this module keeps the old import path working."""
from torchkeras.layers.preprocessing.image_preprocessing.random_flip import RandomFlip  # noqa: F401
