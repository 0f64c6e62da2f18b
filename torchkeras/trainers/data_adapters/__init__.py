"""Data adapters: turn `fit`/`evaluate`/`predict` inputs into an iterator of device-resident batches."""
import types

import numpy as np
import torch

from torchkeras.trainers.data_adapters import data_adapter_utils
from torchkeras.trainers.data_adapters.array_data_adapter import ArrayDataAdapter
from torchkeras.trainers.data_adapters.generator_data_adapter import GeneratorDataAdapter
from torchkeras.trainers.data_adapters.torch_data_loader_adapter import TorchDataLoaderAdapter
from torchkeras.utils import tree


def _is_array_structure(x):
    leaves = tree.flatten(x)
    return bool(leaves) and all(
        leaf is None or data_adapter_utils.is_array_like(leaf) or isinstance(leaf, (list, float, int))
        for leaf in leaves
    )


def get_data_adapter(x, y=None, sample_weight=None, batch_size=None, steps_per_epoch=None, shuffle=False,
                     class_weight=None, workers=None, use_multiprocessing=None, max_queue_size=None):
    """Pick the adapter for `x`: arrays, a torch DataLoader/Dataset, a PyDataset, or a generator.

    `workers`, `use_multiprocessing` and `max_queue_size` are Keras 2's `fit`/`evaluate`/`predict` arguments:
    given, they set how a PyDataset (Keras 2 `Sequence`) or a generator is read ahead, over the dataset's own.
    """
    from torchkeras.trainers.data_adapters import py_dataset_adapter

    loop = {"workers": workers, "use_multiprocessing": use_multiprocessing, "max_queue_size": max_queue_size}
    if py_dataset_adapter.is_py_dataset(x):
        _no_targets(y, sample_weight, "a PyDataset")
        if class_weight is not None:
            return py_dataset_adapter.PyDatasetAdapter(x, shuffle=shuffle, class_weight=class_weight, **loop)
        return py_dataset_adapter.PyDatasetAdapter(x, shuffle=shuffle, **loop)
    if isinstance(x, (torch.utils.data.DataLoader, torch.utils.data.Dataset)):
        _no_targets(y, sample_weight, "a torch DataLoader or Dataset")
        return TorchDataLoaderAdapter(x, batch_size=batch_size, shuffle=shuffle)
    if isinstance(x, (types.GeneratorType,)) or hasattr(x, "__next__"):
        _no_targets(y, sample_weight, "a generator")
        if class_weight is not None:
            raise ValueError("`class_weight` is not supported with generators in torchkeras yet: pass "
                             "per-sample weights as the third element of each batch instead.")
        return GeneratorDataAdapter(x, **loop)
    if isinstance(x, (np.ndarray, torch.Tensor, dict, list, tuple)) or data_adapter_utils.is_array_like(x):
        if isinstance(x, (list, tuple)) and x and not _is_array_structure(x):
            raise ValueError(f"Unrecognized data type: x={x} (of type {type(x)})")
        return ArrayDataAdapter(x, y, sample_weight=sample_weight, batch_size=batch_size,
                                steps=steps_per_epoch, shuffle=shuffle, class_weight=class_weight)
    if hasattr(x, "__iter__"):
        _no_targets(y, sample_weight, "an iterable dataset")
        return GeneratorDataAdapter(x, **loop)
    raise ValueError(f"Unrecognized data type: x={x} (of type {type(x)})")


def _no_targets(y, sample_weight, what):
    if y is not None:
        raise ValueError(
            f"When providing `x` as {what}, `y` should not be passed. Instead, the targets should be "
            "included as part of the data, yielded as `(x, y)`."
        )
    if sample_weight is not None:
        raise ValueError(
            f"When providing `x` as {what}, `sample_weight` should not be passed. Instead, the sample "
            "weights should be included as part of the data, yielded as `(x, y, sample_weight)`."
        )
