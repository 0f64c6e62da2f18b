"""Boston housing prices: 506 samples of 13 features, target = median home value (k$)."""
from torchkeras.api_export import keras_export
from torchkeras.datasets import file_checks
from torchkeras.datasets import housing
from torchkeras.datasets import urls
from torchkeras.utils.file_utils import get_file


@keras_export("keras.datasets.boston_housing.load_data")
def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """Load Boston housing: `(x_train, y_train), (x_test, y_test)`, shuffled with `seed`, split at
    `1 - test_split`."""
    housing.check_test_split(test_split)
    path = get_file(path, origin=f"{urls.TF_KERAS_DATASETS}boston_housing.npz",
                    file_hash=urls.BOSTON_HOUSING_HASH)
    f = file_checks.load_npz(path, ["x", "y"])
    x = file_checks.check_array(path, "x", f["x"], kinds="iuf", ndim=2)
    y = file_checks.check_array(path, "y", f["y"], kinds="iuf")
    file_checks.check_same_length(path, x=x, y=y)
    return housing.shuffle_split(x, y, test_split, seed)
