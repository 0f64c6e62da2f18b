"""`keras.layers.TorchModuleWrapper`: use any `torch.nn.Module` as a Keras layer."""
import base64
import io

import torch

from torchkeras.api_export import keras_export
from torchkeras.backend import symbolic
from torchkeras.backend.device import get_device
from torchkeras.layers.layer import Layer
from torchkeras.layers.layer import bump_structure_version


@keras_export("keras.layers.TorchModuleWrapper")
class TorchModuleWrapper(Layer):
    """Wraps a `torch.nn.Module` so that it can be used in Keras models.

    The module's parameters become the layer's weights: `fit` trains them, `summary()`/`count_params()` count
    them, and `save_weights` stores the module's whole `state_dict()` (buffers included), keyed like it. The
    module runs in train mode when the layer is called with `training=True` and in eval mode otherwise
    (`training=None` follows the layer's own `.training` flag, as set by `model.train()`/`model.eval()`).

    Args:
        module: the `torch.nn.Module`. A lazy module (`torch.nn.LazyLinear`, ...) is initialized with a
            forward pass on zeros when the layer is built.
        output_shape: optional output shape (batch dimension included, e.g. `(None, 8)`). Without it the
            output shape is inferred by running the module symbolically.
        name: the layer's name.
    """

    def __init__(self, module, name=None, output_shape=None, **kwargs):
        super().__init__(name=name, **kwargs)
        if not isinstance(module, torch.nn.Module):
            raise ValueError(
                f"`module` must be a `torch.nn.Module`. Received: module={module!r} (of type {type(module).__name__})"
            )
        if not _has_lazy_parameters(module):
            module = module.to(get_device())
        self.module = module
        self._output_shape = tuple(output_shape) if output_shape is not None else None
        self.module.train(False)
        self.built = not _has_lazy_parameters(module)

    def call(self, *args, training=None, **kwargs):
        mode = self.training if training is None else bool(training)
        if self.module.training != mode:
            self.module.train(mode)
        return self.module(*args, **kwargs)

    def build(self, input_shape=None):
        if _has_lazy_parameters(self.module):
            self._initialize_lazy_module(input_shape)
        self.built = True

    def _initialize_lazy_module(self, input_shape):
        if not _is_shape(input_shape):
            raise ValueError(
                f"The lazy module wrapped by '{self.name}' can only be initialized from a single input tensor. "
                "Initialize it first by calling it once on a real tensor, then wrap it."
            )
        device = get_device()
        with symbolic.escape_fake(), torch.no_grad():
            sample = torch.zeros(tuple(1 if d is None else d for d in input_shape), device=device)
            self.module.to(device)
            self.module(sample)
            self.module.to(device)
        bump_structure_version()

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            raise NotImplementedError
        return self._output_shape

    @property
    def output_shape(self):
        if self._output_shape is not None and not self._inbound_nodes:
            return self._output_shape
        return Layer.output_shape.fget(self)

    def save_own_variables(self, store):
        """Saves model's state from `state_dict`, keyed like it (`model.parameters` excludes some of the
        module's state, like `BatchNorm`'s mean and variance)."""
        for key, value in self.module.state_dict().items():
            store[key] = value

    def _check_load_own_variables(self, store):
        """Raise unless `store` holds exactly the module's `state_dict()` keys, with matching shapes and
        numeric dtypes."""
        from torchkeras.saving import stores as stores_lib

        state = self.module.state_dict(keep_vars=True)
        saved = [k.decode() if isinstance(k, bytes) else k for k in store.keys()]
        if set(saved) != set(state):
            raise ValueError(
                f"Layer '{self.name}' (a TorchModuleWrapper) expected the state_dict keys {sorted(state)}, but the "
                f"weights file holds {sorted(saved)}."
            )
        for key, tensor in state.items():
            stores_lib.check_assignable(tensor, store[key], f"layer '{self.name}' (state_dict key '{key}')")

    def load_own_variables(self, store):
        """Loads model's state via `state_dict`."""
        from torchkeras.saving import stores as stores_lib

        self._check_load_own_variables(store)
        state = {}
        for key in store.keys():
            name = key.decode() if isinstance(key, bytes) else key
            state[name] = torch.as_tensor(stores_lib.assignable(store[key]))
        self.module.load_state_dict(state)

    def get_config(self):
        """The layer config with the module pickled by `torch.save` (base64), as Keras 3 writes it."""
        buffer = io.BytesIO()
        torch.save(self.module, buffer)
        config = Layer.get_config(self)
        config.update({
            "module": base64.b64encode(buffer.getvalue()).decode("ascii"),
            "output_shape": list(self._output_shape) if self._output_shape is not None else None,
        })
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        config = dict(config)
        if isinstance(config.get("module"), str):
            from torchkeras.saving import serialization_lib

            effective = safe_mode if safe_mode is not None else serialization_lib.in_safe_mode()
            if effective is not False and not serialization_lib.unsafe_enabled():
                raise ValueError(
                    "Requested the deserialization of a `torch.nn.Module` object via `torch.load()`. This carries a "
                    "potential risk of arbitrary code execution and thus it is disallowed by default. If you trust "
                    "the source of the artifact, you can override this error by passing `safe_mode=False` to the "
                    "loading function, or calling `keras.config.enable_unsafe_deserialization()`."
                )
            raw = base64.b64decode(config["module"].encode("ascii"))
            config["module"] = torch.load(io.BytesIO(raw), weights_only=False, map_location=get_device())
        if "dtype" in config and isinstance(config["dtype"], dict):
            from torchkeras import dtype_policies

            config["dtype"] = dtype_policies.get(config["dtype"])
        return cls(**config)


def _has_lazy_parameters(module):
    return any(isinstance(p, torch.nn.parameter.UninitializedParameter) for p in module.parameters())


def _is_shape(shape):
    return isinstance(shape, (tuple, list)) and all(d is None or isinstance(d, int) for d in shape)
