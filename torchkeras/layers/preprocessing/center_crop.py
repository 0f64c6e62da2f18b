"""`keras.layers.CenterCrop` lives in `image_preprocessing/`; this module keeps the old import path working."""
from torchkeras.layers.preprocessing.image_preprocessing.center_crop import CenterCrop  # noqa: F401
