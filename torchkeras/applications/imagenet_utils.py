"""`keras.applications.imagenet_utils`: ImageNet input preprocessing and decoding of predictions.

Also the helpers the applications share: input-shape validation (`obtain_input_shape`), the padding that
makes a strided "valid" convolution match TensorFlow's "same" (`correct_pad`), and the check of the
classifier activation against pretrained weights (`validate_activation`).
"""
import json
import warnings

import numpy as np
import torch

from torchkeras import activations
from torchkeras import backend
from torchkeras import ops
from torchkeras.api_export import keras_export
from torchkeras.applications import weights as weight_files

CLASS_INDEX = None  # {"0": ["n01440764", "tench"], ...}, read once from imagenet_class_index.json
CLASS_INDEX_FILE = "imagenet_class_index.json"

_MEANS = {"caffe": (103.939, 116.779, 123.68), "torch": (0.485, 0.456, 0.406)}
_STDS = {"torch": (0.229, 0.224, 0.225)}


@keras_export("keras.applications.imagenet_utils.preprocess_input")
def preprocess_input(x, data_format=None, mode="caffe"):
    """Preprocess a batch of images (a float NumPy array or a tensor, 3D or 4D, values in [0, 255]).

    `mode`: `"caffe"` (RGB to BGR, then subtract the ImageNet mean of each channel, no scaling), `"tf"`
    (scale to [-1, 1]) or `"torch"` (scale to [0, 1], then normalize each channel with the ImageNet mean and
    standard deviation). A float NumPy array is overwritten in place (pass `np.copy(x)` to keep it), as in
    Keras. Returns the preprocessed array or tensor.
    """
    if mode not in {"caffe", "tf", "torch"}:
        raise ValueError(f"Expected mode to be one of `caffe`, `tf` or `torch`. Received: mode={mode}")
    if data_format is None:
        data_format = backend.image_data_format()
    elif data_format not in {"channels_first", "channels_last"}:
        raise ValueError(
            "Expected data_format to be one of `channels_first` or `channels_last`. "
            f"Received: data_format={data_format}"
        )
    if isinstance(x, np.ndarray):
        return _preprocess_array(x, data_format, mode)
    return _preprocess_tensor(x, data_format, mode)


def _channel_view(x, data_format, channel):
    """Index that selects one color channel of a 3D or 4D image batch."""
    if data_format == "channels_last":
        return (Ellipsis, channel)
    return (channel,) if x.ndim == 3 else (slice(None), channel)


def _preprocess_array(x, data_format, mode):
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(backend.floatx(), copy=False)
    if mode == "tf":
        x /= 127.5
        x -= 1.0
        return x
    if mode == "torch":
        x /= 255.0
    else:  # caffe: RGB -> BGR
        if data_format == "channels_last":
            x = x[..., ::-1]
        else:
            x = x[::-1, ...] if x.ndim == 3 else x[:, ::-1, ...]
    std = _STDS.get(mode)
    for c, mean in enumerate(_MEANS[mode]):
        index = _channel_view(x, data_format, c)
        x[index] -= mean
        if std is not None:
            x[index] /= std[c]
    return x


def _broadcast_shape(ndim, data_format):
    if data_format == "channels_last":
        return (1,) * (ndim - 1) + (3,)
    return (3, 1, 1) if ndim == 3 else (1, 3) + (1,) * (ndim - 2)


def _preprocess_tensor(x, data_format, mode):
    if isinstance(x, torch.Tensor) and not x.is_floating_point():
        x = x.to(getattr(torch, backend.floatx()))
    ndim = len(x.shape)
    if mode == "tf":
        x /= 127.5
        x -= 1.0
        return x
    if mode == "torch":
        x /= 255.0
    else:  # caffe: RGB -> BGR
        if data_format == "channels_last":
            x = ops.stack([x[..., i] for i in (2, 1, 0)], axis=-1)
        elif ndim == 3:
            x = ops.stack([x[i, ...] for i in (2, 1, 0)], axis=0)
        else:
            x = ops.stack([x[:, i] for i in (2, 1, 0)], axis=1)
    dtype = backend.standardize_dtype(x.dtype)
    shape = _broadcast_shape(ndim, data_format)
    x += ops.reshape(ops.convert_to_tensor(-np.array(_MEANS[mode]), dtype=dtype), shape)
    if mode in _STDS:
        x /= ops.reshape(ops.convert_to_tensor(np.array(_STDS[mode]), dtype=dtype), shape)
    return x


@keras_export("keras.applications.imagenet_utils.decode_predictions")
def decode_predictions(preds, top=5):
    """Decode the predictions of an ImageNet model.

    `preds`: a NumPy array (or tensor) of shape `(samples, 1000)`. Returns one list per sample of the `top`
    `(class_name, class_description, score)` tuples, best first. The class index
    (`imagenet_class_index.json`) is downloaded once into `$KERAS_HOME/models`.
    """
    global CLASS_INDEX
    if len(preds.shape) != 2 or preds.shape[1] != 1000:
        raise ValueError(
            "`decode_predictions` expects a batch of predictions (i.e. a 2D array of shape (samples, 1000)). "
            f"Received array with shape: {tuple(preds.shape)}"
        )
    if CLASS_INDEX is None:
        with open(weight_files.fetch(CLASS_INDEX_FILE)) as f:
            CLASS_INDEX = json.load(f)
    results = []
    for pred in ops.convert_to_numpy(preds):
        best = pred.argsort()[-top:][::-1]
        result = [tuple(CLASS_INDEX[str(i)]) + (pred[i],) for i in best]
        result.sort(key=lambda item: item[2], reverse=True)
        results.append(result)
    return results


def obtain_input_shape(input_shape, default_size, min_size, data_format, require_flatten, weights=None):
    """Validate `input_shape` (without the batch axis) for an application, or choose its default.

    With `require_flatten` (a classifier top), the shape must be static; with ImageNet weights and a top it
    must be the default `(default_size, default_size, 3)`.
    """
    channels_first = data_format == "channels_first"
    if weights != "imagenet" and input_shape and len(input_shape) == 3:
        channels = input_shape[0] if channels_first else input_shape[-1]
        if channels not in {1, 3}:
            warnings.warn(
                "This model usually expects 1 or 3 input channels. However, it was passed an input_shape "
                f"with {channels} input channels.",
                stacklevel=3,
            )
        default_shape = (channels, default_size, default_size) if channels_first else (
            default_size, default_size, channels)
    else:
        default_shape = (3, default_size, default_size) if channels_first else (default_size, default_size, 3)
    if weights == "imagenet" and require_flatten:
        if input_shape is not None and tuple(input_shape) != default_shape:
            raise ValueError(
                "When setting `include_top=True` and loading `imagenet` weights, `input_shape` should be "
                f"{default_shape}.  Received: input_shape={input_shape}"
            )
        return default_shape
    if input_shape:
        if len(input_shape) != 3:
            raise ValueError("`input_shape` must be a tuple of three integers.")
        channels = input_shape[0] if channels_first else input_shape[-1]
        if channels != 3 and weights == "imagenet":
            raise ValueError(f"The input must have 3 channels; Received `input_shape={input_shape}`")
        spatial = input_shape[1:] if channels_first else input_shape[:2]
        if any(size is not None and size < min_size for size in spatial):
            raise ValueError(
                f"Input size must be at least {min_size}x{min_size}; Received: input_shape={input_shape}"
            )
    elif require_flatten:
        input_shape = default_shape
    else:
        input_shape = (3, None, None) if channels_first else (None, None, 3)
    if require_flatten and None in input_shape:
        raise ValueError(
            "If `include_top` is True, you should specify a static `input_shape`. "
            f"Received: input_shape={input_shape}"
        )
    return input_shape


def correct_pad(inputs, kernel_size):
    """The `((top, bottom), (left, right))` zero padding before a stride-2 "valid" convolution."""
    first = 2 if backend.image_data_format() == "channels_first" else 1
    rows, cols = inputs.shape[first:first + 2]
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    adjust = (1, 1) if rows is None else (1 - rows % 2, 1 - cols % 2)
    half = (kernel_size[0] // 2, kernel_size[1] // 2)
    return ((half[0] - adjust[0], half[0]), (half[1] - adjust[1], half[1]))


def validate_activation(classifier_activation, weights):
    """With pretrained weights the classifier activation can only be `None` or `"softmax"`."""
    if weights is None:
        return
    activation = activations.get(classifier_activation)
    if activation not in {activations.get("softmax"), activations.get(None)}:
        raise ValueError(
            "Only `None` and `softmax` activations are allowed for the `classifier_activation` argument when "
            "using pretrained weights, with `include_top=True`; Received: "
            f"classifier_activation={classifier_activation}"
        )
