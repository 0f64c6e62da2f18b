"""Helpers shared by the data adapters: packing batches, class weights, validation split."""
import numpy as np
import torch

from torchkeras.api_export import keras_export
from torchkeras.utils import tree


@keras_export("keras.utils.unpack_x_y_sample_weight")
def unpack_x_y_sample_weight(data):
    """`(x,)`, `(x, y)` or `(x, y, sample_weight)` -> `(x, y, sample_weight)` (missing ones are None)."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data[0], data[1], data[2]
    raise ValueError(
        "Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, "
        f"found: {tuple(type(d).__name__ for d in data)}"
    )


@keras_export("keras.utils.pack_x_y_sample_weight")
def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """Pack into `(x,)`, `(x, y)` or `(x, y, sample_weight)`, the way Keras's data adapters do."""
    if y is None:
        if not isinstance(x, (tuple, list)):
            return x
        return (x,)
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def class_weight_to_sample_weights(y, class_weight):
    """Per-sample weights from `class_weight={class: weight}` and the labels `y` (one output only)."""
    if tree.is_nested(y):
        flat = tree.flatten(y)
        if len(flat) != 1:
            raise ValueError("`class_weight` is only supported for Models with a single output.")
        y = flat[0]
    labels = y.detach().cpu().numpy() if isinstance(y, torch.Tensor) else np.asarray(y)
    if labels.ndim > 1 and labels.shape[-1] > 1:
        labels = np.argmax(labels, axis=-1)
    elif labels.ndim > 1 and labels.shape[-1] == 1:
        labels = np.squeeze(labels, axis=-1)
    labels = np.round(labels).astype("int64")
    max_class = max(int(k) for k in class_weight) if class_weight else 0
    table = np.ones(max(max_class, int(labels.max()) if labels.size else 0) + 1, dtype="float32")
    for k, w in class_weight.items():
        table[int(k)] = w
    return table[labels]


def check_data_cardinality(data):
    sizes = {}
    for name, value in zip(("x", "y", "sample_weight"), data):
        if value is None:
            continue
        sizes[name] = [int(v.shape[0]) for v in tree.flatten(value) if hasattr(v, "shape") and len(v.shape)]
    all_sizes = {s for v in sizes.values() for s in v}
    if len(all_sizes) > 1:
        msg = "Data cardinality is ambiguous. Make sure all arrays contain the same number of samples."
        for name, s in sizes.items():
            msg += f"'{name}' sizes: {', '.join(str(i) for i in s)}\n"
        raise ValueError(msg)


def train_validation_split(arrays, validation_split):
    """Split (x, y, sample_weight) into training (first part) and validation (last part), unshuffled."""
    flat = [a for a in tree.flatten(arrays) if a is not None]
    if not flat:
        raise ValueError("`validation_split` needs array inputs.")
    n = int(flat[0].shape[0])
    split_at = int(np.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(
            f"Training data contains {n} samples, which is not sufficient to split it into a validation and "
            f"training set as specified by `validation_split={validation_split}`. Either provide more data, "
            "or a different value for the `validation_split` argument."
        )

    def cut(a, start, end):
        return None if a is None else a[start:end]

    train = tree.map_structure(lambda a: cut(a, 0, split_at), arrays)
    val = tree.map_structure(lambda a: cut(a, split_at, n), arrays)
    return train, val


def is_array_like(x):
    return isinstance(x, (np.ndarray, torch.Tensor)) or (
        hasattr(x, "__array__") and hasattr(x, "shape") and not hasattr(x, "__next__"))
