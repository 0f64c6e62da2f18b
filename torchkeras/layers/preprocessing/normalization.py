"""`keras.layers.Normalization`: shift and scale features by a mean and variance (given or adapted)."""
import itertools
import math

import numpy as np
import torch

from torchkeras.api_export import keras_export
from torchkeras.backend import config
from torchkeras.layers.layer import Layer
from torchkeras.layers.preprocessing.tensor_inputs import to_tensor


def _first_element(batch):
    return batch[0] if isinstance(batch, tuple) else batch


@keras_export("keras.layers.Normalization", "keras.layers.experimental.preprocessing.Normalization")
class Normalization(Layer):
    """Normalize inputs to `(x - mean) / sqrt(var)` (or the inverse with `invert=True`).

    `axis` lists the axes that keep their own statistics (default the last one); the others are reduced.
    Pass `mean` and `variance`, or call `adapt(data)` to compute them from arrays, tensors, a `PyDataset`
    or an iterable of batches. The denominator is at least `keras.backend.epsilon()`.
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, int):
            axis = (axis,)
        else:
            axis = tuple(axis)
        self.axis = axis
        self.input_mean = mean
        self.input_variance = variance
        self.invert = invert
        self.supports_masking = True
        self._build_input_shape = None
        if (mean is not None) != (variance is not None):
            raise ValueError(
                "When setting values directly, both `mean` and `variance` must be set. "
                f"Received: mean={mean} and variance={variance}")
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise ValueError(
                    "When setting values directly, `mean` and `variance` must have the same shape. Received: "
                    f"mean shape {np.shape(mean)} and variance shape {np.shape(variance)}")
            if len(np.shape(mean)) > len(self.axis):
                raise ValueError(
                    f"The rank of `mean` must be less than or equal to the number of axes ({len(self.axis)}). "
                    f"Received: mean shape {np.shape(mean)} for axis {self.axis}")

    def build(self, input_shape):
        if input_shape is None:
            return
        ndim = len(input_shape)
        self._build_input_shape = tuple(input_shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(
                "All `axis` values must be in the range [-ndim, ndim). "
                f"Received inputs with ndim={ndim}, while axis={self.axis}")
        self._keep_axis = tuple(sorted(a % ndim for a in self.axis))
        for d in self._keep_axis:
            if input_shape[d] is None:
                raise ValueError(
                    "All `axis` values to be kept must have a known shape. Received axis="
                    f"{self.axis}, inputs.shape={tuple(input_shape)}, with unknown axis at index {d}")
        self._reduce_axis = tuple(d for d in range(ndim) if d not in self._keep_axis)
        self._broadcast_shape = [input_shape[d] if d in self._keep_axis else 1 for d in range(ndim)]
        self._mean_and_var_shape = tuple(input_shape[d] for d in self._keep_axis)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(name="mean", shape=self._mean_and_var_shape, initializer="zeros",
                                              trainable=False)
            self.adapt_variance = self.add_weight(name="variance", shape=self._mean_and_var_shape,
                                                  initializer="ones", trainable=False)
            self.count = self.add_weight(name="count", shape=(), dtype="int32", initializer="zeros",
                                         trainable=False)
        else:
            mean = self._broadcast_given(self.input_mean, ndim)
            variance = self._broadcast_given(self.input_variance, ndim)
            self.register_buffer("_given_mean", mean, persistent=False)
            self.register_buffer("_given_variance", variance, persistent=False)
        self.built = True

    def _broadcast_given(self, value, ndim):
        value = torch.as_tensor(np.asarray(value), dtype=torch.float32)
        if value.dim() > 0:
            shape = [1] * ndim
            for i in range(1, value.dim() + 1):
                shape[self._keep_axis[-i]] = value.shape[-i]
            value = value.reshape(shape)
        from torchkeras.backend.dtypes import to_torch_dtype

        out = value.broadcast_to(self._broadcast_shape).to(to_torch_dtype(self.compute_dtype))
        return out.to(self._weight_device) if self._weight_device is not None else out

    @property
    def mean(self):
        if not self.built:
            return None
        if self.input_mean is not None:
            return self._given_mean
        return self.adapt_mean.reshape(self._broadcast_shape)

    @property
    def variance(self):
        if not self.built:
            return None
        if self.input_mean is not None:
            return self._given_variance
        return self.adapt_variance.reshape(self._broadcast_shape)

    def adapt(self, data):
        """Compute the mean and variance of `data` over the reduced axes."""
        from torchkeras.utils.py_dataset import PyDataset

        if isinstance(data, (np.ndarray, torch.Tensor)):
            input_shape = tuple(data.shape)
        elif isinstance(data, PyDataset):
            input_shape = tuple(_first_element(data[0]).shape)
        elif hasattr(data, "__iter__"):
            it = iter(data)
            first = next(it, None)
            if first is None:
                raise ValueError(
                    "adapt() received an empty iterable (no batches). Expected at least one batch. Pass a "
                    "non-empty iterable of arrays or tensors, e.g. layer.adapt([x]) or layer.adapt(list_of_batches).")
            first = _first_element(first)
            input_shape = getattr(first, "shape", None)
            if input_shape is None:
                raise TypeError(
                    "adapt() expects an iterable that yields arrays or tensors with a `.shape` attribute (e.g. "
                    f"numpy arrays or backend tensors). Got an element of type {type(first).__name__}. Ensure "
                    "each yielded element is array-like with a `.shape` attribute.")
            input_shape = tuple(input_shape)
            data = itertools.chain([first], it)
        else:
            raise TypeError(
                f"Unsupported data type: {type(data)}. `adapt` supports `np.ndarray`, backend tensors, "
                "`keras.utils.PyDataset`, and iterables of batches (e.g. list, generator).")
        if not self.built:
            self.build(input_shape)
        else:
            for d in self._keep_axis:
                if input_shape[d] != self._build_input_shape[d]:
                    raise ValueError(
                        f"The layer was built with input_shape={self._build_input_shape}, but adapt() is being "
                        f"called with data with an incompatible shape, data.shape={input_shape}")
        if self.input_mean is not None:
            raise ValueError("Cannot adapt a `Normalization` layer that was given a `mean` and `variance`.")
        if isinstance(data, np.ndarray):
            mean = np.mean(data, axis=self._reduce_axis)
            var = np.var(data, axis=self._reduce_axis)
        elif isinstance(data, torch.Tensor):
            data = data.to(torch.float32) if not data.is_floating_point() else data
            mean = torch.mean(data, dim=self._reduce_axis)
            var = torch.var(data, dim=self._reduce_axis, unbiased=False)
        else:
            mean, var = self._running_moments(data)
        with torch.no_grad():
            self.adapt_mean.copy_(torch.as_tensor(np.asarray(mean) if not isinstance(mean, torch.Tensor) else mean,
                                                  dtype=self.adapt_mean.dtype).reshape(self.adapt_mean.shape))
            self.adapt_variance.copy_(torch.as_tensor(np.asarray(var) if not isinstance(var, torch.Tensor) else var,
                                                      dtype=self.adapt_variance.dtype).reshape(
                self.adapt_variance.shape))

    def _running_moments(self, batches):
        total_mean = torch.zeros(self._mean_and_var_shape)
        total_var = torch.zeros(self._mean_and_var_shape)
        total_count = 0
        for batch in batches:
            batch = to_tensor(_first_element(batch), self.compute_dtype).cpu()
            for d in self._keep_axis:
                if batch.shape[d] != self._build_input_shape[d]:
                    raise ValueError(
                        f"adapt() yielded a batch with incompatible shape. Expected {self._build_input_shape}, "
                        f"got {tuple(batch.shape)}.")
            batch_mean = torch.mean(batch, dim=self._reduce_axis)
            batch_var = torch.var(batch, dim=self._reduce_axis, unbiased=False)
            batch_count = math.prod(batch.shape[d] for d in self._reduce_axis) if self._reduce_axis else 1
            total_count += batch_count
            w = float(batch_count) / total_count
            new_mean = total_mean * (1.0 - w) + batch_mean * w
            total_var = (total_var + (total_mean - new_mean) ** 2) * (1.0 - w) + \
                (batch_var + (batch_mean - new_mean) ** 2) * w
            total_mean = new_mean
        return total_mean, total_var

    def finalize_state(self):
        """Nothing to do: the statistics are read from the weights at every call."""

    def call(self, inputs):
        if not self.built:
            raise ValueError("You must call `.build(input_shape)` on the layer before using it.")
        inputs = to_tensor(inputs, self.compute_dtype)
        mean = self.mean.to(inputs.dtype)
        denominator = torch.clamp(torch.sqrt(self.variance.to(inputs.dtype)), min=config.epsilon())
        if self.invert:
            return mean + inputs * denominator
        return (inputs - mean) / denominator

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config_ = super().get_config()
        config_.update({
            "axis": self.axis,
            "invert": self.invert,
            "mean": np.array(self.input_mean).tolist(),
            "variance": np.array(self.input_variance).tolist(),
        })
        return config_

    def get_build_config(self):
        if self._build_input_shape:
            return {"input_shape": list(self._build_input_shape)}
        return None

    def build_from_config(self, config_):
        if config_:
            self.build(tuple(config_["input_shape"]))
            self._build_shapes_dict = {"input_shape": tuple(config_["input_shape"])}
