"""`keras.layers.RandomZoom` lives in `image_preprocessing/`; this module keeps the old import path working."""
from torchkeras.layers.preprocessing.image_preprocessing.random_zoom import RandomZoom  # noqa: F401
