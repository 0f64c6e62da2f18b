"""CIFAR100: 50,000 training and 10,000 test 32x32 color images in 100 fine (20 coarse) classes."""
import os

from torchkeras.api_export import keras_export
from torchkeras.datasets import cifar
from torchkeras.datasets import urls
from torchkeras.utils.file_utils import get_file


@keras_export("keras.datasets.cifar100.load_data")
def load_data(label_mode="fine"):
    """Load CIFAR100: `(x_train, y_train), (x_test, y_test)`.

    `label_mode="fine"` gives the 100 class labels, `"coarse"` the 20 superclass labels; `y_*` have shape
    `(N, 1)`, `x_*` shape `(N, 32, 32, 3)` (channels_last).
    """
    if label_mode not in ["fine", "coarse"]:
        raise ValueError(f'`label_mode` must be one of `"fine"`, `"coarse"`. Received: label_mode={label_mode}.')
    path = get_file(fname="cifar-100-python-target", origin=urls.CIFAR100_ORIGIN, extract=True,
                    file_hash=urls.CIFAR100_HASH)
    path = os.path.join(path, "cifar-100-python")
    x_train, y_train = cifar.load_batch(os.path.join(path, "train"), label_key=f"{label_mode}_labels")
    x_test, y_test = cifar.load_batch(os.path.join(path, "test"), label_key=f"{label_mode}_labels")
    return ((cifar.to_image_data_format(x_train), cifar.column(y_train)),
            (cifar.to_image_data_format(x_test), cifar.column(y_test)))
