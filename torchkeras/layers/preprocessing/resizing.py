"""`keras.layers.Resizing` lives in `image_preprocessing/`; this module keeps the old import path working."""
from torchkeras.layers.preprocessing.image_preprocessing.resizing import Resizing  # noqa: F401
