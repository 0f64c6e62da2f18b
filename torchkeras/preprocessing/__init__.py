"""`keras.preprocessing`: Keras 3's dataset builders, and Keras 2's `text`, `sequence` and `image` modules."""
from torchkeras.preprocessing import image
from torchkeras.preprocessing import sequence
from torchkeras.preprocessing import text
from torchkeras.utils.dataset_utils import image_dataset_from_directory
from torchkeras.utils.dataset_utils import text_dataset_from_directory
from torchkeras.utils.dataset_utils import timeseries_dataset_from_array

__all__ = ["image", "image_dataset_from_directory", "sequence", "text", "text_dataset_from_directory",
           "timeseries_dataset_from_array"]
