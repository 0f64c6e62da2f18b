"""MNIST handwritten digits: 60,000 training and 10,000 test 28x28 grayscale images of the digits 0-9."""
from torchkeras.api_export import keras_export
from torchkeras.datasets import file_checks
from torchkeras.datasets import urls
from torchkeras.utils.file_utils import get_file


@keras_export("keras.datasets.mnist.load_data")
def load_data(path="mnist.npz"):
    """Load MNIST: `(x_train, y_train), (x_test, y_test)` as uint8 NumPy arrays.

    `x_*` have shape `(N, 28, 28)` with pixel values 0-255; `y_*` hold the digit labels. `path` is the file
    name in the cache (`~/.keras/datasets`).
    """
    path = get_file(fname=path, origin=f"{urls.TF_KERAS_DATASETS}mnist.npz", file_hash=urls.MNIST_HASH)
    f = file_checks.load_npz(path, ["x_train", "y_train", "x_test", "y_test"])
    for part in ("train", "test"):
        file_checks.check_array(path, f"x_{part}", f[f"x_{part}"], kinds="u", ndim=3, tail=(28, 28))
        file_checks.check_array(path, f"y_{part}", f[f"y_{part}"], kinds="iu", ndim=1)
        file_checks.check_same_length(path, **{f"x_{part}": f[f"x_{part}"], f"y_{part}": f[f"y_{part}"]})
    return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
