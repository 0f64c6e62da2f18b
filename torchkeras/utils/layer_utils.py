"""Keras 2's `keras.utils.layer_utils`: `get_source_inputs`, `count_params`, `print_summary` and the
Theano <-> TensorFlow kernel converters. `get_source_inputs` is also `keras.utils.get_source_inputs`."""
import math

import numpy as np

from torchkeras.api_export import keras_export
from torchkeras.backend.keras_tensor import KerasTensor
from torchkeras.utils.conv_utils import convert_kernel
from torchkeras.utils.summary_utils import print_summary  # noqa: F401


@keras_export("keras.utils.get_source_inputs")
def get_source_inputs(tensor):
    """The list of input tensors (the outputs of `InputLayer`s) that `tensor` is computed from.

    Walks the symbolic history of `tensor` back to its inputs; a tensor without history is returned as is.
    """
    if not hasattr(tensor, "_keras_history"):
        return tensor
    history = tensor._keras_history
    if history is None:
        return [tensor]
    operation, node_index, _ = history
    if not operation._inbound_nodes:
        return [tensor]
    node = operation._inbound_nodes[node_index]
    if node.is_input:
        return [x for x in node.outputs if isinstance(x, KerasTensor)]
    sources = []
    seen = set()
    for x in node.input_tensors:
        for source in get_source_inputs(x):
            if id(source) not in seen:
                seen.add(id(source))
                sources.append(source)
    return sources


def count_params(weights):
    """The number of scalars in `weights` (each distinct weight counted once)."""
    seen = set()
    total = 0
    for w in weights:
        if id(w) not in seen:
            seen.add(id(w))
            total += int(math.prod(tuple(w.shape)))
    return total


def convert_all_kernels_in_model(model):
    """Flip the spatial axes of every Conv1D/2D/3D/Conv2DTranspose kernel of `model` (Theano <-> TensorFlow)."""
    conv_classes = {"Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose"}
    for layer in model.layers:
        if type(layer).__name__ in conv_classes:
            layer.kernel.assign(convert_kernel(layer.kernel.numpy()))


def convert_dense_weights_data_format(dense, previous_feature_map_shape, target_data_format="channels_first"):
    """Reorder the rows of a `Dense` kernel that follows `Flatten` when a convnet changes `data_format`.

    `previous_feature_map_shape` is the feature map's shape before `Flatten`, in the *target* format
    (e.g. `(512, 7, 7)` for channels_first).
    """
    if target_data_format not in {"channels_last", "channels_first"}:
        raise ValueError(f"Invalid target_data_format: {target_data_format}")
    kernel, bias = dense.get_weights()
    if target_data_format == "channels_first":
        c, h, w = previous_feature_map_shape
        rows = kernel.reshape((h, w, c, -1)).transpose(2, 0, 1, 3)
    else:
        h, w, c = previous_feature_map_shape
        rows = kernel.reshape((c, h, w, -1)).transpose(1, 2, 0, 3)
    dense.set_weights([np.ascontiguousarray(rows).reshape(kernel.shape), bias])
