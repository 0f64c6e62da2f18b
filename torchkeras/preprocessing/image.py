"""`keras.preprocessing.image`: image files <-> arrays (Keras 2 module path)."""
from torchkeras.utils.image_utils import array_to_img
from torchkeras.utils.image_utils import img_to_array
from torchkeras.utils.image_utils import load_img
from torchkeras.utils.image_utils import save_img
from torchkeras.utils.image_utils import smart_resize

__all__ = ["array_to_img", "img_to_array", "load_img", "save_img", "smart_resize"]
