"""Data adapters: turn `fit`/`evaluate`/`predict` inputs into an iterator of device-resident batches."""
import types
import warnings

import numpy as np
import torch

from torchkeras.trainers.data_adapters import data_adapter_utils
from torchkeras.trainers.data_adapters.array_data_adapter import ArrayDataAdapter
from torchkeras.trainers.data_adapters.generator_data_adapter import GeneratorDataAdapter
from torchkeras.trainers.data_adapters.tf_dataset_adapter import TFDatasetAdapter
from torchkeras.trainers.data_adapters.tf_dataset_adapter import is_tf_dataset
from torchkeras.trainers.data_adapters.torch_data_loader_adapter import TorchDataLoaderAdapter
from torchkeras.utils import tree


def _is_array_structure(x):
    leaves = tree.flatten(x)
    return bool(leaves) and all(
        leaf is None or data_adapter_utils.is_array_like(leaf) or isinstance(leaf, (list, float, int))
        for leaf in leaves
    )


def _is_list_of_scalars(x):
    """A (nested) list of Python numbers or strings: one array, as Keras 2's lists-of-scalars adapter read it."""
    while isinstance(x, (list, tuple)) and x:
        x = x[0]
    return isinstance(x, (bool, int, float, str, bytes, np.generic))


def _lists_to_arrays(value, name):
    def convert(v):
        if not isinstance(v, (list, tuple)) or not v or not _is_list_of_scalars(v):
            return v
        try:
            return np.asarray(v)
        except ValueError as e:
            raise ValueError(
                f"`{name}` is a list of sequences of different lengths, which is not an array: {e}. Pad the "
                "sequences to one length first (e.g. with `keras.utils.pad_sequences`)."
            ) from None

    if isinstance(value, dict):
        return {k: convert(v) for k, v in value.items()}
    return convert(value)


def get_data_adapter(x, y=None, sample_weight=None, batch_size=None, steps_per_epoch=None, shuffle=False,
                     class_weight=None, argument="x", workers=None, use_multiprocessing=None, max_queue_size=None):
    """Pick the adapter for `x`: arrays, a torch DataLoader/Dataset, a PyDataset, a tf.data.Dataset, or a generator.

    `argument` names the data in error messages (`x`, `validation_data`). `workers`, `use_multiprocessing` and
    `max_queue_size` are Keras 2's `fit`/`evaluate`/`predict` arguments: given, they set how a PyDataset (Keras 2
    `Sequence`) or a generator is read ahead, over the dataset's own.
    """
    from torchkeras.trainers.data_adapters import py_dataset_adapter

    loop = {"workers": workers, "use_multiprocessing": use_multiprocessing, "max_queue_size": max_queue_size}
    if py_dataset_adapter.is_py_dataset(x):
        _no_targets(y, sample_weight, "a PyDataset")
        if shuffle and getattr(x, "num_batches", None) is None:
            warnings.warn("`shuffle=True` was passed, but will be ignored since the data `x` was provided as an "
                          "infinite PyDataset. The PyDataset is expected to already be shuffled.", stacklevel=2)
        if class_weight is not None:
            return py_dataset_adapter.PyDatasetAdapter(x, shuffle=shuffle, class_weight=class_weight,
                                                       argument=argument, **loop)
        return py_dataset_adapter.PyDatasetAdapter(x, shuffle=shuffle, argument=argument, **loop)
    if is_tf_dataset(x):
        _no_targets(y, sample_weight, "a tf.data.Dataset")
        if shuffle:
            warnings.warn("`shuffle=True` was passed, but will be ignored since the data `x` was provided as a "
                          "tf.data.Dataset. The Dataset is expected to already be shuffled (via "
                          "`.shuffle(buffer_size)`).", stacklevel=2)
        return TFDatasetAdapter(x, class_weight=class_weight, argument=argument)
    if isinstance(x, (torch.utils.data.DataLoader, torch.utils.data.Dataset)):
        _no_targets(y, sample_weight, "a torch DataLoader or Dataset")
        if class_weight is not None:
            raise ValueError(
                "Argument `class_weight` is not supported for torch DataLoader inputs. You can modify your "
                "`__getitem__ ` method to return input tensor, label and class_weight. Alternatively, use a custom "
                "training loop. See the User Guide https://keras.io/guides/custom_train_step_in_torch/"
                f"#supporting-sampleweight-amp-classweight for more details. Received: class_weight={class_weight}"
            )
        if shuffle and isinstance(x, torch.utils.data.DataLoader):  # a Dataset is batched (and shuffled) here
            warnings.warn("`shuffle=True` was passed, but will be ignored since the data `x` was provided as a "
                          "torch DataLoader. The DataLoader is expected to already be shuffled.", stacklevel=2)
        return TorchDataLoaderAdapter(x, batch_size=batch_size, shuffle=shuffle, argument=argument)
    if isinstance(x, (types.GeneratorType,)) or hasattr(x, "__next__"):
        _no_targets(y, sample_weight, "a generator")
        if class_weight is not None:
            raise ValueError("`class_weight` is not supported with generators in torchkeras yet: pass "
                             "per-sample weights as the third element of each batch instead.")
        return GeneratorDataAdapter(x, argument=argument, **loop)
    if isinstance(x, (np.ndarray, torch.Tensor, dict, list, tuple)) or data_adapter_utils.is_array_like(x):
        x = _lists_to_arrays(x, argument if argument == "x" else f"{argument}[0]")
        y = _lists_to_arrays(y, "y" if argument == "x" else f"{argument}[1]")
        sample_weight = _lists_to_arrays(sample_weight, "sample_weight" if argument == "x" else f"{argument}[2]")
        if isinstance(x, (list, tuple)) and x and not _is_array_structure(x):
            raise ValueError(f"Unrecognized data type: x={x} (of type {type(x)})")
        return ArrayDataAdapter(x, y, sample_weight=sample_weight, batch_size=batch_size,
                                steps=steps_per_epoch, shuffle=shuffle, class_weight=class_weight,
                                argument=argument)
    if hasattr(x, "__iter__"):
        _no_targets(y, sample_weight, "an iterable dataset")
        return GeneratorDataAdapter(x, argument=argument, **loop)
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
