"""`keras.layers.Discretization`: bucket continuous values into integer bins."""
import numpy as np
import torch

from torchkeras.api_export import keras_export
from torchkeras.backend.dtypes import to_torch_dtype
from torchkeras.backend.keras_tensor import KerasTensor
from torchkeras.layers.layer import Layer
from torchkeras.layers.preprocessing import quantiles
from torchkeras.layers.preprocessing.encoding import encode_categorical
from torchkeras.layers.preprocessing.tensor_inputs import to_tensor

_OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count")


@keras_export("keras.layers.Discretization", "keras.layers.experimental.preprocessing.Discretization")
class Discretization(Layer):
    """Map each value to the index of its bin: bin `i` holds `bin_boundaries[i-1] <= x < bin_boundaries[i]`.

    Give `bin_boundaries`, or `num_bins` and call `adapt(data)` to pick quantile boundaries (approximate,
    to within `epsilon`). `output_mode="int"` gives int32 indices; `"one_hot"`, `"multi_hot"`, `"count"`
    encode them.
    """

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int", sparse=False, dtype=None,
                 name=None):
        super().__init__(name=name, dtype=dtype)
        if sparse:
            raise ValueError("`sparse=True` cannot be used with backend torch")
        if output_mode not in _OUTPUT_MODES:
            raise ValueError(
                f"Unknown value for `output_mode`. Allowed values are {list(_OUTPUT_MODES)}. "
                f"Received: output_mode={output_mode}")
        if num_bins is not None and num_bins < 0:
            raise ValueError(f"`num_bins` must be greater than or equal to 0. Received: `num_bins={num_bins}`")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError(
                "Both `num_bins` and `bin_boundaries` should not be set. "
                f"Received: `num_bins={num_bins}` and `bin_boundaries={bin_boundaries}`")
        if num_bins is None and bin_boundaries is None:
            raise ValueError("You need to set either `num_bins` or `bin_boundaries`.")
        self.bin_boundaries = bin_boundaries
        self.num_bins = num_bins
        self.epsilon = epsilon
        self.output_mode = output_mode
        self.sparse = sparse
        self.summary = None if bin_boundaries else np.array([[], []], dtype="float32")

    @property
    def output_dtype(self):
        return self.compute_dtype if self.output_mode != "int" else "int32"

    def adapt(self, data, steps=None):
        """Compute `num_bins` quantile boundaries from arrays, tensors or an iterable of batches."""
        if self.num_bins is None:
            raise ValueError(
                "Cannot adapt a Discretization layer that has been initialized with `bin_boundaries`, use "
                "`num_bins` instead.")
        self.reset_state()
        if isinstance(data, (np.ndarray, torch.Tensor)):
            self.update_state(data)
        else:
            for i, batch in enumerate(data):
                if steps is not None and i >= steps:
                    break
                self.update_state(batch)
        self.finalize_state()

    def update_state(self, data):
        if isinstance(data, torch.Tensor):
            data = data.detach().cpu().numpy()
        data = np.array(data).astype("float32")
        self.summary = quantiles.merge(quantiles.summarize(data, self.epsilon), self.summary, self.epsilon)

    def finalize_state(self):
        if self.num_bins is None:
            return
        self.bin_boundaries = quantiles.bin_boundaries(self.summary, self.num_bins).tolist()

    def reset_state(self):
        if self.num_bins is None:
            return
        self.summary = np.array([[], []], dtype="float32")

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError(
                "You need to either pass the `bin_boundaries` argument at construction time or call "
                "`adapt(dataset)` before you can start using the `Discretization` layer.")
        inputs = to_tensor(inputs)
        if not inputs.is_floating_point():
            inputs = inputs.to(torch.float32)
        boundaries = torch.as_tensor(self.bin_boundaries, dtype=inputs.dtype, device=inputs.device)
        indices = torch.bucketize(inputs, boundaries, right=True)
        return encode_categorical(indices, self.output_mode, len(self.bin_boundaries) + 1,
                                  to_torch_dtype(self.output_dtype))

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.output_mode == "int":
            return input_shape
        depth = len(self.bin_boundaries) + 1 if self.bin_boundaries is not None else self.num_bins
        if self.output_mode == "one_hot":
            if input_shape and input_shape[-1] == 1 and len(input_shape) > 1:
                return input_shape[:-1] + (depth,)
            return input_shape + (depth,)
        if input_shape and len(input_shape) >= 2:
            return (input_shape[0],) + input_shape[2:] + (depth,)
        return (depth,)

    def compute_output_spec(self, inputs):
        return KerasTensor(self.compute_output_shape(inputs.shape), dtype=self.output_dtype)

    def get_config(self):
        return {"bin_boundaries": self.bin_boundaries, "num_bins": self.num_bins, "epsilon": self.epsilon,
                "output_mode": self.output_mode, "sparse": self.sparse, "name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if config.get("bin_boundaries") is not None and config.get("num_bins") is not None:
            boundaries = config.pop("bin_boundaries")
            layer = super().from_config(config)
            layer.bin_boundaries = boundaries
            return layer
        return super().from_config(config)

    def save_own_variables(self, store):
        """Nothing to save: the bin boundaries are part of the config."""

    def _check_load_own_variables(self, store):
        """Nothing is expected; one numeric array is the summary older Keras versions saved."""
        if len(store) > 1:
            raise ValueError(f"Layer '{self.name}' expected at most 1 saved variable (a legacy summary), but "
                             f"the file holds {len(store)}: {list(store.keys())}.")
        if len(store) == 1 and np.asarray(store[list(store.keys())[0]]).dtype.kind not in ("i", "u", "f"):
            raise ValueError(f"Layer '{self.name}' found a saved summary that is not numeric.")

    def load_own_variables(self, store):
        self._check_load_own_variables(store)
        if len(store) == 1:
            self.summary = store[list(store.keys())[0]]

