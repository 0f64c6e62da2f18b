"""Reading CIFAR's pickled batch files (safely: see `safe_pickle`)."""
import numpy as np

from torchkeras.backend import config
from torchkeras.datasets import safe_pickle


def load_batch(fpath, label_key="labels"):
    """One CIFAR batch file: `(data, labels)` with data of shape `(N, 3, 32, 32)`."""
    with open(fpath, "rb") as f:
        raw = safe_pickle.load_pickle(f, encoding="bytes")
    if not isinstance(raw, dict):
        raise ValueError(f"Unexpected content in CIFAR batch file {fpath}: expected a dict, got {type(raw)}.")
    d = {k.decode("utf8") if isinstance(k, bytes) else k: v for k, v in raw.items()}
    data = d["data"]
    labels = d[label_key]
    return data.reshape(data.shape[0], 3, 32, 32), labels


def to_image_data_format(x):
    """`(N, 3, 32, 32)` -> `(N, 32, 32, 3)` when the image data format is channels_last."""
    if config.image_data_format() == "channels_last":
        return x.transpose(0, 2, 3, 1)
    return x


def column(labels, dtype=None):
    labels = np.asarray(labels) if dtype is None else np.asarray(labels, dtype=dtype)
    return np.reshape(labels, (len(labels), 1))
