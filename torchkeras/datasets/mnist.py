"""MNIST handwritten digits: 60,000 training and 10,000 test 28x28 grayscale images of the digits 0-9."""
import numpy as np

from torchkeras.api_export import keras_export
from torchkeras.datasets import urls
from torchkeras.utils.file_utils import get_file


@keras_export("keras.datasets.mnist.load_data")
def load_data(path="mnist.npz"):
    """Load MNIST: `(x_train, y_train), (x_test, y_test)` as uint8 NumPy arrays.

    `x_*` have shape `(N, 28, 28)` with pixel values 0-255; `y_*` hold the digit labels. `path` is the file
    name in the cache (`~/.keras/datasets`).
    """
    path = get_file(fname=path, origin=f"{urls.TF_KERAS_DATASETS}mnist.npz", file_hash=urls.MNIST_HASH)
    with np.load(path, allow_pickle=False) as f:
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
