"""`keras.Model`: a Layer with training (compile/fit/evaluate/predict), saving and `summary()`.

`Model(inputs, outputs)` builds a functional model; subclassing `Model` and defining `call` gives a
subclassed model.
"""
import torch

from torchkeras.api_export import keras_export
from torchkeras.backend.keras_tensor import KerasTensor
from torchkeras.layers.layer import Layer, in_call
from torchkeras.models import graph_plan
from torchkeras.trainers import distributed
from torchkeras.trainers.trainer import Trainer
from torchkeras.utils import tree


def _is_functional_call(args, kwargs):
    return ("inputs" in kwargs and "outputs" in kwargs) or (
        len(args) >= 2 and all(isinstance(x, KerasTensor) for x in tree.flatten(args[:2]))
    ) or (len(args) == 1 and "outputs" in kwargs)


@keras_export("keras.Model", "keras.models.Model")
class Model(Trainer, Layer):
    """A model: groups layers into an object with training and inference features.

    `Model(inputs, outputs)` gives a functional model. Subclass it, create layers in `__init__` and
    implement `call(inputs, training=None)` for a subclassed model.
    """

    def __new__(cls, *args, **kwargs):
        if cls is Model and _is_functional_call(args, kwargs):
            from torchkeras.models.functional import Functional

            return Functional.__new__(Functional, *args, **kwargs)
        return Layer.__new__(cls, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        inputs = kwargs.pop("inputs", None)
        outputs = kwargs.pop("outputs", None)
        if args and inputs is None and _is_functional_call(args, {"outputs": outputs} if outputs is not None else {}):
            inputs = args[0]
            if len(args) > 1:
                outputs = args[1]
            args = args[2:]
        if args:
            raise TypeError(f"Model.__init__ takes keyword arguments only; got extra positional {args}")
        trainable = kwargs.pop("trainable", True)
        name = kwargs.pop("name", None)
        dtype = kwargs.pop("dtype", None)
        for legacy in ("input_shape", "input_dim", "batch_input_shape"):
            kwargs.pop(legacy, None)
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments passed to {type(self).__name__}: {kwargs}")
        Layer.__init__(self, trainable=trainable, name=name, dtype=dtype)
        Trainer.__init__(self)
        self._graph_plan = None
        self._functional_called_with_init = inputs is not None
        if inputs is not None:
            from torchkeras.models.functional import init_graph

            if outputs is None:
                raise ValueError("A functional model needs `outputs` as well as `inputs`.")
            init_graph(self, inputs, outputs)

    # --- structure -------------------------------------------------------------------------------------
    @property
    def layers(self):
        """The model's layers, in Keras order (functional models include their InputLayers)."""
        if getattr(self, "_operations", None) is not None:
            return [op for op in self._operations if isinstance(op, Layer)]
        return self._layers

    @layers.setter
    def layers(self, _):
        raise AttributeError(
            "`Model.layers` attribute is reserved and should not be used. Please use another name."
        )

    @property
    def operations(self):
        if getattr(self, "_operations", None) is not None:
            return list(self._operations)
        return self.layers

    def get_layer(self, name=None, index=None):
        """Retrieve a layer by `name` or by `index` (in `model.layers` order)."""
        if index is not None and name is not None:
            raise ValueError(
                "Provide only a layer name or a layer index. Received: "
                f"index={index}, name={name}."
            )
        if index is not None:
            if len(self.layers) <= index:
                raise ValueError(
                    f"Was asked to retrieve layer at index {index} but model only has {len(self.layers)} layers."
                )
            return self.layers[index]
        if name is not None:
            for layer in self.layers:
                if layer.name == name:
                    return layer
            raise ValueError(
                f"No such layer: {name}. Existing layers are: {[layer.name for layer in self.layers]}."
            )
        raise ValueError("Provide either a layer name or layer index at `get_layer`.")

    @property
    def input_names(self):
        return list(getattr(self, "_input_names", []))

    @property
    def output_names(self):
        outs = getattr(self, "outputs", None) or []
        if isinstance(getattr(self, "_outputs_struct", None), dict):
            return list(self._outputs_struct.keys())
        return [t._keras_history[0].name for t in outs]

    @property
    def input(self):
        if getattr(self, "_inputs_struct", None) is not None:
            return self._inputs_struct
        return Layer.input.fget(self)

    @property
    def output(self):
        if getattr(self, "_outputs_struct", None) is not None:
            return self._outputs_struct
        return Layer.output.fget(self)

    @property
    def input_shape(self):
        if getattr(self, "inputs", None):
            shapes = [t.shape for t in self.inputs]
            return shapes[0] if len(shapes) == 1 else shapes
        return Layer.input_shape.fget(self)

    @property
    def output_shape(self):
        if getattr(self, "outputs", None):
            shapes = [t.shape for t in self.outputs]
            return shapes[0] if len(shapes) == 1 else shapes
        return Layer.output_shape.fget(self)

    # --- calling ---------------------------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        if kwargs.get("training") and distributed.is_active() and args and not in_call():
            # Under torchrun the training forward runs through DistributedDataParallel, which averages the
            # gradients across processes in `backward`.
            return distributed.ddp_forward(self, args[0])
        return Layer.__call__(self, *args, **kwargs)

    def call(self, inputs, training=None, mask=None):
        if self._graph_plan is None:
            raise NotImplementedError(
                f"Model {type(self).__name__} does not have a `call()` method implemented. Subclassed models "
                "must implement `call(self, inputs, training=None)`."
            )
        flat = graph_plan.standardize_inputs(self, inputs)
        masks = None
        if mask is not None:
            masks = tree.flatten(mask)
            if len(masks) != len(flat):
                masks = None
        return self._graph_plan.run(flat, training=training, input_masks=masks)

    def compute_output_spec(self, *args, **kwargs):
        if self._graph_plan is not None and args:
            return self._graph_output_spec(args[0], kwargs)
        return Layer.compute_output_spec(self, *args, **kwargs)

    def _graph_output_spec(self, inputs, kwargs):
        from torchkeras.backend import symbolic

        return symbolic.compute_output_spec(lambda x: self.call(x, training=kwargs.get("training")), inputs,
                                            module=self)

    def _maybe_build(self, args, kwargs, device=None):
        if self.built:
            return
        if not _overrides_build(self) and args:
            # Subclassed model called on data: its sublayers build themselves during this first call.
            if any(isinstance(x, KerasTensor) for x in tree.flatten(args[0])):
                self._build_by_run(args[0], device)
                return
            from torchkeras.backend import symbolic

            self.built = True
            # First called in shape inference (on stand-in data): the filler sizes are unknown dims.
            shape_of = lambda x: symbolic.unknown_dims(tuple(x.shape))  # noqa: E731
            self._build_shapes_dict = {"input_shape": tree.map_structure(shape_of, args[0])
                                       if tree.is_nested(args[0]) else shape_of(args[0])}
            return
        Layer._maybe_build(self, args, kwargs, device)

    def build(self, input_shape=None):
        """Build the model's weights from `input_shape` (the batch dimension included)."""
        if self.built:
            return
        if input_shape is None:
            raise ValueError("You must provide an `input_shape` argument.")
        if _overrides_build(self):
            Layer._maybe_build(self, (_shape_to_spec(input_shape),), {})
            return
        self._build_by_run(_shape_to_spec(input_shape), None)

    def _build_by_run(self, inputs, device):
        from torchkeras.backend import naming, symbolic
        from torchkeras.backend.device import device_scope
        import contextlib

        spec = tree.map_structure(_as_spec, inputs) if tree.is_nested(inputs) else _as_spec(inputs)
        scope = device_scope(device) if device is not None else contextlib.nullcontext()
        with scope, naming.name_scope(self.name, caller=self):
            try:
                symbolic.compute_output_spec(lambda x: self.call(x), spec, module=self)
            except TypeError:
                symbolic.compute_output_spec(lambda x: self.call(x, training=False), spec, module=self)
        self.built = True
        self._build_shapes_dict = {"input_shape": tree.map_structure(lambda t: t.shape, spec)
                                   if tree.is_nested(spec) else spec.shape}

    # --- Keras 2's symbolic losses and metrics: part of a functional model's graph plan -------------------
    def _add_symbolic_loss(self, tensor):
        from torchkeras.models import functional

        functional.add_symbolic_loss(self, tensor)

    def _add_symbolic_metric(self, tensor, metric):
        from torchkeras.models import functional

        functional.add_symbolic_metric(self, tensor, metric)

    # --- what the trainer asks of a model (see torchkeras/trainers/trainer.py) ---------------------------
    @property
    def _declares_inputs(self):
        """Whether the model declares its inputs (functional models, Sequential models with a graph)."""
        return self._graph_plan is not None

    def _check_data_inputs(self, x):
        """Raise Keras's error when real input data does not fit the declared inputs (once per call of
        fit/evaluate/predict, on the first batch)."""
        if self._graph_plan is not None:
            from torchkeras.trainers import trainer_utils

            trainer_utils.check_input_shapes(self, x)

    def _output_spec_for(self, x_spec):
        """The specs of the outputs for inputs like `x_spec` (from the graph when it is known)."""
        if self._graph_plan is not None and type(self).call in (Model.call, _sequential_call()):
            return self._outputs_struct
        from torchkeras.backend import symbolic

        return symbolic.compute_output_spec(lambda v: self(v, training=False), x_spec, module=self)

    def reset_states(self):
        """Reset the states of the model's stateful layers (Keras 2's `model.reset_states()`)."""
        for layer in self._flatten_layers(include_self=False):
            if getattr(layer, "stateful", False):
                reset = getattr(layer, "reset_state", None) or getattr(layer, "reset_states", None)
                if reset is not None:
                    reset()

    def quantize(self, mode=None, config=None, filters=None, **kwargs):
        """Quantize the weights of every supported layer (`"int8"`, `"int4"`, `"float8"`); `filters` (a regex,
        a list of regexes on layer names, or a callable on layers) selects the layers."""
        from torchkeras.quantizers import model_quantization

        model_quantization.quantize_model(self, mode, config, filters, **kwargs)

    # --- summary, config, saving -----------------------------------------------------------------------
    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Print a table of the model's layers, output shapes and parameter counts (Keras 3 format)."""
        from torchkeras.utils import summary_utils

        summary_utils.print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                                    expand_nested=expand_nested, show_trainable=show_trainable,
                                    layer_range=layer_range)

    def get_config(self):
        if type(self).get_config is not Model.get_config:
            return super().get_config()
        # Subclassed model: the constructor arguments, if they can be recorded (as a layer's).
        if getattr(self, "_auto_config", None) is None:
            return {"name": self.name, "trainable": self.trainable}
        return self._with_base_config(self._constructor_config())

    @classmethod
    def from_config(cls, config, custom_objects=None):
        if "layers" in config and "input_layers" in config and "output_layers" in config:
            from torchkeras.models import functional_config

            return functional_config.functional_from_config(cls, config, custom_objects)
        try:
            return cls(**config)
        except TypeError as e:
            raise TypeError(
                f"Unable to revive model from config. When overriding the `get_config()` method, make sure "
                f"that the returned config contains all items used as arguments in the constructor to "
                f"{cls}, which is the default behavior. You can override this default behavior by "
                f"defining a `from_config(cls, config)` class method to specify how to create an instance "
                f"of {cls.__name__} from its config.\n\nReceived config={config}\n\nError encountered during "
                f"deserialization: {e}"
            ) from e

    def to_json(self, **kwargs):
        """The model's config as a JSON string (`keras.models.model_from_json` reads it back)."""
        import json

        from torchkeras.saving import serialization_lib

        return json.dumps(serialization_lib.serialize_keras_object(self), **kwargs)

    def to_yaml(self, **kwargs):
        """The model's config as YAML (needs PyYAML)."""
        from torchkeras.saving import yaml_config

        return yaml_config.model_to_yaml(self, **kwargs)

    def save(self, filepath, overwrite=True, include_optimizer=True, save_format=None, **kwargs):
        """Save the model: `.keras` archive, or legacy HDF5 for `.h5`/`.hdf5` names."""
        from torchkeras.saving import saving_api

        return saving_api.save_model(self, filepath, overwrite=overwrite, include_optimizer=include_optimizer,
                                     save_format=save_format, **kwargs)

    def save_weights(self, filepath, overwrite=True, **kwargs):
        """Save the weights: Keras 3 `.weights.h5`, or the legacy Keras 2 layout for other `.h5` names."""
        from torchkeras.saving import saving_api

        return saving_api.save_weights(self, filepath, overwrite=overwrite, **kwargs)

    def load_weights(self, filepath, skip_mismatch=False, by_name=False, **kwargs):
        """Load weights saved by `save_weights` (or by `save` in `.h5`/`.keras`), by Keras or torchkeras."""
        from torchkeras.saving import saving_api

        return saving_api.load_weights(self, filepath, skip_mismatch=skip_mismatch, by_name=by_name, **kwargs)

    def export(self, filepath, format="tf_saved_model", verbose=None, input_signature=None, **kwargs):
        """Export the model for inference: `format="torch"` (a `torch.export` program in a `.pt2` file) or
        `format="onnx"` (needs the `onnx` package)."""
        from torchkeras.export import export_model

        return export_model(self, filepath, format=format, verbose=verbose, input_signature=input_signature,
                            **kwargs)


def _sequential_call():
    from torchkeras.models.sequential import Sequential

    return Sequential.call


def _overrides_build(model):
    for klass in type(model).__mro__:
        if klass in (Model, Layer):
            return False
        if "build" in klass.__dict__:
            return True
    return False


def _shape_to_spec(shape):
    if isinstance(shape, dict):
        return {k: _shape_to_spec(v) for k, v in shape.items()}
    if isinstance(shape, (list, tuple)) and shape and all(isinstance(s, (list, tuple)) for s in shape):
        return [_shape_to_spec(s) for s in shape]
    return KerasTensor(tuple(shape))


def _as_spec(x):
    if isinstance(x, KerasTensor):
        return x
    if isinstance(x, torch.Tensor):
        from torchkeras.backend import dtypes

        shape = (None,) + tuple(x.shape[1:]) if x.dim() else ()
        return KerasTensor(shape, dtype=dtypes.standardize_dtype(x.dtype))
    if hasattr(x, "shape"):
        import numpy as np

        arr = np.asarray(x)
        dtype = "float32" if arr.dtype == np.float64 else str(arr.dtype)
        return KerasTensor((None,) + tuple(arr.shape[1:]), dtype=dtype)
    return x
