"""`keras.Sequential`: a plain stack of layers, each with one input and one output."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.backend import naming
from torchkeras.backend.keras_tensor import KerasTensor
from torchkeras.layers.core.input_layer import InputLayer
from torchkeras.layers.layer import Layer, bump_structure_version, call_signature_info
from torchkeras.models.model import Model
from torchkeras.utils import tree


@keras_export("keras.Sequential", "keras.models.Sequential")
class Sequential(Model):
    """`Sequential([keras.Input((784,)), layers.Dense(64, activation="relu"), layers.Dense(10)])`.

    Without an input shape the model builds on its first call, or on `build(input_shape)`.

    A Sequential model is a list of layers over one functional graph: once its input shape is known, it holds
    the `Functional` of its layers and its graph attributes (`inputs`, `outputs`, the plan `fit` runs) are
    that graph's. A layer whose output shape cannot be inferred (it raises NotImplementedError, as in Keras)
    leaves the model without a graph: it then runs its layers one after the other.
    """

    def __new__(cls, *args, **kwargs):
        return Layer.__new__(cls, *args, **kwargs)

    def __init__(self, layers=None, trainable=True, name=None, **kwargs):
        Model.__init__(self, trainable=trainable, name=name, **kwargs)
        self.__dict__["_functional"] = None
        self.__dict__["_seq_layers"] = []
        if layers:
            for layer in layers:
                self.add(layer, rebuild=False)
            self._maybe_rebuild()

    # --- building --------------------------------------------------------------------------------------
    def add(self, layer, rebuild=True):
        """Add a layer on top of the stack."""
        if isinstance(layer, KerasTensor) and layer._keras_history is not None:
            origin = layer._keras_history[0]
            if isinstance(origin, InputLayer):
                layer = origin
        if isinstance(layer, torch.nn.Module) and not isinstance(layer, Layer):
            from torchkeras.layers.core.torch_module_wrapper import TorchModuleWrapper

            layer = TorchModuleWrapper(layer)
        if not isinstance(layer, Layer):
            raise ValueError(
                "Only instances of `keras.Layer` can be added to a Sequential model. "
                f"Received: {layer} (of type {type(layer)})"
            )
        if any(existing.name == layer.name for existing in self._seq_layers if existing is not layer):
            raise ValueError(
                "All layers added to a Sequential model should have unique names. Name "
                f"'{layer.name}' is already the name of a layer in this model. Update the `name` argument "
                "to pass a unique name."
            )
        if isinstance(layer, InputLayer) and self._seq_layers and isinstance(self._seq_layers[0], InputLayer):
            raise ValueError(
                f"Sequential model '{self.name}' has already been configured to use input shape "
                f"{self._seq_layers[0].batch_shape}. You cannot add a different Input layer to it."
            )
        if not self._seq_layers and not isinstance(layer, InputLayer) and \
                getattr(layer, "_input_shape_arg", None) is not None:
            batch = getattr(layer, "_batch_size_arg", None)
            self._seq_layers.append(InputLayer(shape=layer._input_shape_arg, batch_size=batch))
        self._seq_layers.append(layer)
        if not isinstance(layer, InputLayer):
            self._modules[layer.name] = layer
        bump_structure_version()
        if rebuild:
            self._maybe_rebuild()
        else:
            self._unbuild()

    def pop(self, rebuild=True):
        """Remove the last layer and return it."""
        layers = self.layers
        if not layers:
            raise TypeError("There are no layers in the model.")
        layer = layers[-1]
        self._seq_layers.pop()
        self._modules.pop(layer.name, None)
        bump_structure_version()
        if rebuild:
            self._maybe_rebuild()
        else:
            self._unbuild()
        return layer

    def _unbuild(self):
        self.built = False
        self.__dict__["_functional"] = None

    def _maybe_rebuild(self):
        self._unbuild()
        if self._seq_layers and isinstance(self._seq_layers[0], InputLayer) and len(self._seq_layers) > 1:
            self.build(self._seq_layers[0].batch_shape)

    def build(self, input_shape=None):
        if input_shape is None:
            raise ValueError("You must provide an `input_shape` argument.")
        if isinstance(input_shape, dict) or (isinstance(input_shape, (list, tuple)) and input_shape and
                                             isinstance(input_shape[0], (list, tuple))):
            raise ValueError(
                f"Sequential model '{self.name}' cannot be built with nested input shapes: a Sequential "
                f"model has a single input. Received: input_shape={input_shape}")
        input_shape = tuple(input_shape)
        if not self._seq_layers:
            raise ValueError(
                f"Sequential model {self.name} cannot be built because it has no layers. "
                "Call `model.add(layer)`."
            )
        if isinstance(self._seq_layers[0], InputLayer):
            if self._seq_layers[0].batch_shape != input_shape and len(self._seq_layers[0].batch_shape) != len(
                    input_shape):
                raise ValueError(
                    f"Sequential model '{self.name}' has already been configured to use input shape "
                    f"{self._seq_layers[0].batch_shape}. You cannot build it with input_shape {input_shape}"
                )
        else:
            first = self._seq_layers[0]
            dtype = "int32" if type(first).__name__ == "Embedding" else first.compute_dtype
            input_layer = InputLayer(batch_shape=input_shape, dtype=dtype)
            input_layer._auto_added = True
            self._seq_layers.insert(0, input_layer)
        inputs = self._seq_layers[0].output
        x = inputs
        with naming.name_scope(self.name, caller=self):
            for layer in self._seq_layers[1:]:
                try:
                    x = layer(x)
                except NotImplementedError:
                    # Like Keras: a layer without shape inference leaves the model without a graph; it runs
                    # its layers eagerly.
                    self._graphless_build(input_shape)
                    return
        from torchkeras.models.functional import Functional

        functional = Functional.__new__(Functional, inputs=inputs, outputs=x)
        Model.__init__(functional, inputs=inputs, outputs=x, name=naming.auto_name("functional"))
        self.__dict__["_functional"] = functional
        self.built = True
        self._build_shapes_dict = {"input_shape": tuple(input_shape)}
        bump_structure_version()

    def _graphless_build(self, input_shape):
        if self._seq_layers and getattr(self._seq_layers[0], "_auto_added", False):
            self._seq_layers.pop(0)
        self.__dict__["_functional"] = None
        self.built = True
        self._build_shapes_dict = {"input_shape": tuple(input_shape)}
        bump_structure_version()

    def _maybe_build(self, args, kwargs, device=None):
        if self.built:
            return
        if not args:
            raise ValueError(f"Sequential model '{self.name}' cannot be built without inputs.")
        first = args[0]
        if tree.is_nested(first) and not isinstance(first, (torch.Tensor, KerasTensor)):
            flat = tree.flatten(first)
            if len(flat) == 1:
                first = flat[0]
        shape = tuple(first.shape)
        from torchkeras.backend.device import device_scope
        import contextlib

        with device_scope(device) if device is not None else contextlib.nullcontext():
            self.build(shape)

    # --- structure -------------------------------------------------------------------------------------
    @property
    def layers(self):
        return [layer for layer in self._seq_layers if not isinstance(layer, InputLayer)]

    @layers.setter
    def layers(self, _):
        raise AttributeError("`Model.layers` attribute is reserved and should not be used.")

    # The graph attributes are the functional graph's (None / absent while the model has no graph).
    @property
    def _operations(self):
        functional = self.__dict__.get("_functional")
        return functional._operations if functional is not None else None

    @property
    def _graph_plan(self):
        functional = self.__dict__.get("_functional")
        return functional._graph_plan if functional is not None else None

    @_graph_plan.setter
    def _graph_plan(self, value):
        if value is not None:
            raise AttributeError("A Sequential model's graph is the one of its layers.")

    @property
    def inputs(self):
        functional = self.__dict__.get("_functional")
        if functional is None:
            raise AttributeError(f"Sequential model '{self.name}' has no defined inputs yet.")
        return functional.inputs

    @property
    def outputs(self):
        functional = self.__dict__.get("_functional")
        if functional is None:
            raise AttributeError(f"Sequential model '{self.name}' has no defined outputs yet.")
        return functional.outputs

    def _graph_attribute(name):  # noqa: N805 - a helper that makes properties, used in the class body only
        def get(self):
            functional = self.__dict__.get("_functional")
            if functional is None:
                raise AttributeError(name)
            return getattr(functional, name)

        return property(get)

    _nodes_by_depth = _graph_attribute("_nodes_by_depth")
    _inputs_struct = _graph_attribute("_inputs_struct")
    _outputs_struct = _graph_attribute("_outputs_struct")
    _input_names = _graph_attribute("_input_names")
    del _graph_attribute

    @property
    def input_shape(self):
        if self._seq_layers and isinstance(self._seq_layers[0], InputLayer):
            return self._seq_layers[0].batch_shape
        return Model.input_shape.fget(self)

    # --- calling ---------------------------------------------------------------------------------------
    def call(self, inputs, training=None, mask=None):
        functional = self.__dict__.get("_functional")
        if functional is not None:
            return functional.call(inputs, training=training, mask=mask)
        x = inputs
        for layer in self.layers:
            has_training, has_mask, _, _ = call_signature_info(layer)
            kwargs = {}
            if has_training:
                kwargs["training"] = training
            if has_mask and mask is not None:
                kwargs["mask"] = mask
            x = layer(x, **kwargs)
            mask = getattr(x, "_keras_mask", None) if isinstance(x, torch.Tensor) else None
        return x

    def compute_output_spec(self, *args, **kwargs):
        functional = self.__dict__.get("_functional")
        if functional is not None:
            return functional.compute_output_spec(*args, **kwargs)
        x = args[0]
        for layer in self.layers:
            x = layer.compute_output_spec(x)
        return x

    # --- config ----------------------------------------------------------------------------------------
    def get_config(self):
        from torchkeras.saving import serialization_lib

        layer_configs = []
        for layer in self._seq_layers:
            layer_configs.append(serialization_lib.serialize_keras_object(layer))
        config = Layer.get_config(self)
        config["layers"] = layer_configs
        if self._seq_layers and isinstance(self._seq_layers[0], InputLayer):
            config["build_input_shape"] = list(self._seq_layers[0].batch_shape)
        elif self._build_shapes_dict:
            config["build_input_shape"] = list(next(iter(self._build_shapes_dict.values())))
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from torchkeras.models import functional_config

        return functional_config.sequential_from_config(cls, config, custom_objects)
