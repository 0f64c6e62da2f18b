"""`keras.preprocessing.image` (Keras 2): `ImageDataGenerator`, its iterators, the NumPy image transforms, and
the image file utilities (`load_img`, `img_to_array`, `array_to_img`, `save_img`, `smart_resize`)."""
from torchkeras.preprocessing.image_data_generator import ImageDataGenerator
from torchkeras.preprocessing.image_iterators import DataFrameIterator
from torchkeras.preprocessing.image_iterators import DirectoryIterator
from torchkeras.preprocessing.image_iterators import Iterator
from torchkeras.preprocessing.image_iterators import NumpyArrayIterator
from torchkeras.preprocessing.image_transforms import apply_affine_transform
from torchkeras.preprocessing.image_transforms import apply_brightness_shift
from torchkeras.preprocessing.image_transforms import apply_channel_shift
from torchkeras.preprocessing.image_transforms import flip_axis  # noqa: F401
from torchkeras.preprocessing.image_transforms import random_brightness
from torchkeras.preprocessing.image_transforms import random_channel_shift
from torchkeras.preprocessing.image_transforms import random_rotation
from torchkeras.preprocessing.image_transforms import random_shear
from torchkeras.preprocessing.image_transforms import random_shift
from torchkeras.preprocessing.image_transforms import random_zoom
from torchkeras.preprocessing.image_transforms import transform_matrix_offset_center  # noqa: F401
from torchkeras.utils.image_utils import array_to_img
from torchkeras.utils.image_utils import img_to_array
from torchkeras.utils.image_utils import load_img
from torchkeras.utils.image_utils import save_img
from torchkeras.utils.image_utils import smart_resize

__all__ = [
    "DataFrameIterator", "DirectoryIterator", "ImageDataGenerator", "Iterator", "NumpyArrayIterator",
    "apply_affine_transform", "apply_brightness_shift", "apply_channel_shift", "array_to_img", "img_to_array",
    "load_img", "random_brightness", "random_channel_shift", "random_rotation", "random_shear", "random_shift",
    "random_zoom", "save_img", "smart_resize",
]
