"""California housing prices: 20,640 districts, 8 features, target = median house value."""
from torchkeras.api_export import keras_export
from torchkeras.datasets import file_checks
from torchkeras.datasets import housing
from torchkeras.datasets import urls
from torchkeras.utils.file_utils import get_file


@keras_export("keras.datasets.california_housing.load_data")
def load_data(version="large", path="california_housing.npz", test_split=0.2, seed=113):
    """Load California housing: `(x_train, y_train), (x_test, y_test)`.

    `version="small"` keeps the first 600 samples, `"large"` all 20,640.
    """
    housing.check_test_split(test_split)
    path = get_file(path, origin=f"{urls.TF_KERAS_DATASETS}california_housing.npz",
                    file_hash=urls.CALIFORNIA_HOUSING_HASH)
    f = file_checks.load_npz(path, ["x", "y"])
    x = file_checks.check_array(path, "x", f["x"], kinds="iuf", ndim=2)
    y = file_checks.check_array(path, "y", f["y"], kinds="iuf")
    file_checks.check_same_length(path, x=x, y=y)
    if version == "small":
        x, y = x[:600], y[:600]
    elif version != "large":
        raise ValueError(f"Argument `version` must be one of 'small', 'large'. Received: version={version}")
    return housing.shuffle_split(x, y, test_split, seed)
