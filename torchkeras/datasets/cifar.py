"""Reading CIFAR's pickled batch files (safely: see `safe_pickle`)."""
import numpy as np

from torchkeras.backend import config
from torchkeras.datasets import file_checks
from torchkeras.datasets import safe_pickle


def load_batch(fpath, label_key="labels"):
    """One CIFAR batch file: `(data, labels)` with data of shape `(N, 3, 32, 32)`."""
    raw = file_checks.load_pickle_file(fpath, lambda f: safe_pickle.load_pickle(f, encoding="bytes"))
    if not isinstance(raw, dict):
        raise file_checks.corrupted(fpath, f"a CIFAR batch is a dict, this holds a {type(raw).__name__}")
    with file_checks.reading(fpath):
        d = {k.decode("utf8") if isinstance(k, bytes) else k: v for k, v in raw.items()}
    if "data" not in d or label_key not in d:
        raise file_checks.corrupted(fpath, f"it has no 'data' or '{label_key}' entry (keys: {sorted(map(str, d))})")
    data = file_checks.check_array(fpath, "data", d["data"], kinds="u", ndim=2, tail=(3072,))
    labels = d[label_key]
    if not isinstance(labels, (list, np.ndarray)) or len(labels) != len(data) or not all(
            isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) and v >= 0 for v in labels):
        raise file_checks.corrupted(fpath, f"'{label_key}' is not one integer label per image")
    return data.reshape(data.shape[0], 3, 32, 32), labels


def to_image_data_format(x):
    """`(N, 3, 32, 32)` -> `(N, 32, 32, 3)` when the image data format is channels_last."""
    if config.image_data_format() == "channels_last":
        return x.transpose(0, 2, 3, 1)
    return x


def column(labels, dtype=None):
    labels = np.asarray(labels) if dtype is None else np.asarray(labels, dtype=dtype)
    return np.reshape(labels, (len(labels), 1))
