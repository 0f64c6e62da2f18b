"""Fashion-MNIST: 60,000 training and 10,000 test 28x28 grayscale images of 10 kinds of clothing."""
import os

from torchkeras.api_export import keras_export
from torchkeras.datasets import file_checks
from torchkeras.datasets import urls
from torchkeras.utils.file_utils import get_file


_LABELS_MAGIC = 0x801  # IDX: unsigned bytes, 1 dimension
_IMAGES_MAGIC = 0x803  # IDX: unsigned bytes, 3 dimensions


@keras_export("keras.datasets.fashion_mnist.load_data")
def load_data():
    """Load Fashion-MNIST: `(x_train, y_train), (x_test, y_test)` as uint8 NumPy arrays.

    `x_*` have shape `(N, 28, 28)`; `y_*` hold labels 0-9 (T-shirt/top, Trouser, Pullover, Dress, Coat,
    Sandal, Shirt, Sneaker, Bag, Ankle boot). The four gzipped IDX files are cached in
    `~/.keras/datasets/fashion-mnist`.
    """
    dirname = os.path.join("datasets", "fashion-mnist")
    paths = [get_file(name, origin=urls.TF_KERAS_DATASETS + name, cache_subdir=dirname)
             for name in urls.FASHION_MNIST_FILES]
    y_train = file_checks.read_idx(paths[0], _LABELS_MAGIC, (None,))
    x_train = file_checks.read_idx(paths[1], _IMAGES_MAGIC, (None, 28, 28))
    y_test = file_checks.read_idx(paths[2], _LABELS_MAGIC, (None,))
    x_test = file_checks.read_idx(paths[3], _IMAGES_MAGIC, (None, 28, 28))
    file_checks.check_same_length(paths[1], images=x_train, labels=y_train)
    file_checks.check_same_length(paths[3], images=x_test, labels=y_test)
    return (x_train, y_train), (x_test, y_test)
