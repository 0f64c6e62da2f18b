"""`keras.layers.Layer`: the base class of every layer, and a `torch.nn.Module`.

Weights are `keras.Variable`s (torch Parameters) registered on the module, so `parameters()`,
`state_dict()` and `.to(device)` see them. Keras's conveniences (lazy `build`, symbolic calls on
`KerasTensor`s, masks, `training` resolution, input checks) live in `__call__`; the compiled training step
calls `call` directly and skips them.
"""
import contextlib
import inspect
import threading

import numpy as np
import torch

from torchkeras import dtype_policies
from torchkeras.api_export import keras_export
from torchkeras.backend import dtypes
from torchkeras.backend import naming
from torchkeras.backend import stateless_scope as _stateless_scope
from torchkeras.backend import phase_state as _phase_state
from torchkeras.backend import remat as _remat
from torchkeras.backend import symbolic
from torchkeras.backend.device import device_scope
from torchkeras.backend.keras_tensor import KerasTensor
from torchkeras.backend.variables import Variable
from torchkeras.distribution import dtensor_utils
from torchkeras.distribution import state as distribution_state
from torchkeras.layers import input_spec as input_spec_lib
from torchkeras.mixed_precision import autocast_scope
from torchkeras.ops.node import Node
from torchkeras.ops.operation import Operation
from torchkeras.quantizers.layer_quantization import QuantizationHooks
from torchkeras.utils import tree

_LAYER_KWARGS = ("input_shape", "input_dim", "batch_input_shape", "batch_size", "weights", "input_length")

from torchkeras.backend.structure import VERSION as _STRUCTURE_VERSION
from torchkeras.backend.structure import bump_structure_version, structure_version  # noqa: F401


# --- call context: `training` flows from an outer call into nested ones --------------------------------

class _CallContext(threading.local):
    def __init__(self):
        self.stack = []  # each thread starts with its own (so a compiled step never guards on its absence)


_ctx = _CallContext()


def _ctx_stack():
    return _ctx.stack


@contextlib.contextmanager
def call_context(training=None, entry=None):
    stack = _ctx_stack()
    stack.append((training, entry))
    try:
        yield
    finally:
        stack.pop()


_remat.register_thread_stack(_ctx, "stack")  # a rematerialized call recomputes under its call context
_remat.register_thread_stack(autocast_scope._state, "stack")


def current_training():
    stack = _ctx_stack()
    return stack[-1][0] if stack else None


def in_call():
    return bool(_ctx_stack())


# --- signature introspection, cached per class ----------------------------------------------------------

_SIG_CACHE = {}


def call_signature_info(layer):
    """(has_training_arg, has_mask_arg, tensor arg names, accepts **kwargs) of `layer.call`."""
    cls = type(layer)
    info = _SIG_CACHE.get(cls)
    if info is None:
        try:
            params = inspect.signature(layer.call).parameters
        except (TypeError, ValueError):
            params = {}
        names = list(params)
        varkw = any(p.kind == p.VAR_KEYWORD for p in params.values())
        info = ("training" in params, "mask" in params, names, varkw)
        _SIG_CACHE[cls] = info
    return info


_ARG_MASK_CACHE = {}


def arg_mask_params(layer):
    """[(arg name, position, mask parameter)] for call arguments `x` that have an `x_mask` parameter
    (e.g. MultiHeadAttention's `value` / `value_mask`); Keras fills those from the tensors' masks."""
    cls = type(layer)
    found = _ARG_MASK_CACHE.get(cls)
    if found is None:
        names = [n for n in call_signature_info(layer)[2]]
        found = [(n, i, f"{n}_mask") for i, n in enumerate(names) if f"{n}_mask" in names]
        _ARG_MASK_CACHE[cls] = found
    return found


def _overrides(obj, method, base):
    return getattr(type(obj), method, None) is not getattr(base, method, None)


_torch_modules = torch.nn.modules.module


def plain_calls_allowed():
    """False while module calls must go through `nn.Module.__call__`: global module hooks are registered or a
    `torch.jit.trace` records; also while a mixed-precision region is open (layers then enter their policy)."""
    return not (_torch_modules._global_forward_hooks or _torch_modules._global_forward_pre_hooks
                or _torch_modules._global_backward_hooks or _torch_modules._global_backward_pre_hooks
                or torch._C._get_tracing_state() or autocast_scope._state.stack)


def forward_is_call(layer):
    """Whether the layer's `forward` runs its `call` and nothing more: `forward` not overridden, no quantized
    call, no rematerialization, no dtype-policy region. Decided once per structure (a new policy bumps it)."""
    cached = layer.__dict__.get("_forward_is_call")
    if cached is None or cached[0] != _STRUCTURE_VERSION[0]:
        cached = (_STRUCTURE_VERSION[0], type(layer).forward is Layer.forward
                  and layer._dtype_policy._quantization_mode is None and layer._remat_mode is None
                  and not autocast_scope.layer_sets_policy(layer))
        layer.__dict__["_forward_is_call"] = cached
    return cached[1]


def has_module_hooks(module):
    """Whether calling the torch module `module` runs more than its `forward`: hooks on it, or `module.compile()`
    (the global conditions are `plain_calls_allowed()`'s)."""
    return bool(module._forward_hooks or module._forward_pre_hooks or module._backward_hooks
                or module._backward_pre_hooks or module._compiled_call_impl is not None)


def calls_directly(layer):
    """Whether calling the layer as a torch module would run its `call` and nothing more."""
    return forward_is_call(layer) and not has_module_hooks(layer)


def _shape_of(x):
    if isinstance(x, (KerasTensor, torch.Tensor, np.ndarray)):
        return tuple(x.shape)
    return None


_PLAIN_TYPES = (bool, int, float, str, type(None))


def _arrays_to_tensors(args, kwargs):
    if any(isinstance(a, np.ndarray) for a in args[1:]):
        args = args[:1] + tuple(_to_tensor_input(a) for a in args[1:])
    if any(isinstance(v, np.ndarray) for v in kwargs.values()):
        kwargs = {k: _to_tensor_input(v) for k, v in kwargs.items()}
    return args, kwargs


def _to_tensor_input(x):
    if isinstance(x, np.ndarray) and x.dtype.kind not in ("U", "S", "O"):  # strings stay NumPy
        from torchkeras import ops

        return ops.convert_to_tensor(x)
    return x


@keras_export("keras.layers.Layer", "keras.Layer")
class Layer(QuantizationHooks, torch.nn.Module, Operation):
    """The base class of all layers: a callable that holds weights and computes `call(inputs)`.

    Subclasses create weights in `build(input_shape)` with `add_weight`, and compute in `call(inputs)`.
    """

    # Whether Keras's own version of this layer takes a `mask` call argument. A layer that accepts `mask`
    # only to receive torchkeras's mask plumbing sets it to False, so the `mask=None` placeholder is not
    # recorded in functional configs (which Keras must be able to replay).
    _keras_call_takes_mask = True
    # The `RematScope` mode the layer was created in (`keras.RematScope`): its calls are rematerialized.
    _remat_mode = None

    def __new__(cls, *args, **kwargs):
        obj = object.__new__(cls)
        torch.nn.Module.__init__(obj)
        # Remember the constructor arguments: they are the default `get_config()` of custom layers. As in
        # Keras, the defaults of arguments not passed are included (those of plain JSON types: other defaults
        # are left for the constructor to supply again).
        try:
            signature = inspect.signature(cls.__init__)
            bound = signature.bind(None, *args, **kwargs)
            passed = set(bound.arguments)
            bound.apply_defaults()
            auto = {}
            for key, value in list(bound.arguments.items())[1:]:
                param = signature.parameters[key]
                if param.kind == param.VAR_KEYWORD:
                    auto.update(value)
                elif param.kind != param.VAR_POSITIONAL and (key in passed or _is_plain_config_value(value)):
                    auto[key] = value
            obj.__dict__["_auto_config"] = auto  # not tracked: the layers it may hold belong elsewhere
            # Keras leaves `name` out of the config when the constructor cannot take it back.
            obj.__dict__["_auto_config_takes_name"] = "name" in signature.parameters or any(
                p.kind == p.VAR_KEYWORD for p in signature.parameters.values())
        except (TypeError, ValueError):
            obj.__dict__["_auto_config"] = None
        return obj

    def __init__(self, *, activity_regularizer=None, trainable=True, dtype=None, autocast=True, name=None,
                 **kwargs):
        unknown = {k: v for k, v in kwargs.items() if k not in _LAYER_KWARGS}
        if unknown:
            raise ValueError(f"Unrecognized keyword arguments passed to {type(self).__name__}: {unknown}")
        if name is not None and (not isinstance(name, str) or "/" in name):
            raise ValueError(
                "Argument `name` must be a string and cannot contain character `/`. "
                f"Received: name={name} (of type {type(name)})"
            )
        self.name = name or naming.auto_name(naming.to_snake_case(type(self).__name__))
        self.built = False
        self._trainable = bool(trainable)
        self._trainable_variables = []
        self._non_trainable_variables = []
        self._losses = []
        self._inbound_nodes = []
        self._outbound_nodes = []
        self._build_shapes_dict = None
        self._weight_device = None
        self.autocast = autocast
        self.input_spec = None
        if not hasattr(self, "supports_masking"):
            self.supports_masking = False
        self._dtype_policy = dtype_policies.get(dtype)
        from torchkeras import regularizers

        self.activity_regularizer = regularizers.get(activity_regularizer)
        # Keras 2 spellings: input_dim / input_shape / batch_input_shape on the first layer.
        shape = None
        if kwargs.get("batch_input_shape") is not None:
            shape = tuple(kwargs["batch_input_shape"])[1:]
            self._batch_size_arg = tuple(kwargs["batch_input_shape"])[0]
        elif kwargs.get("input_shape") is not None:
            shape = tuple(kwargs["input_shape"])
        elif kwargs.get("input_dim") is not None:
            shape = (kwargs["input_dim"],)
        if kwargs.get("batch_size") is not None:
            self._batch_size_arg = kwargs["batch_size"]
        self._input_shape_arg = shape
        self._initial_weights = kwargs.get("weights")
        self.training = False  # Keras layers run in inference mode unless told otherwise.
        remat_mode = _remat.get_current_remat_mode()
        if remat_mode is not None:
            self.__dict__["_remat_mode"] = remat_mode

    # --- dtype -----------------------------------------------------------------------------------------
    @property
    def dtype_policy(self):
        return self._dtype_policy

    @dtype_policy.setter
    def dtype_policy(self, value):
        policy = dtype_policies.get(value)
        self._dtype_policy = policy
        bump_structure_version()  # what a call runs (`calls_directly`, the policy region) is decided per structure
        mode = policy.quantization_mode
        if mode is not None and self.built and not getattr(self, "_is_quantized", False):
            if mode == "gptq":
                raise ValueError(
                    f"Implicitly enabling GPTQ quantization by setting `dtype_policy` to '{value}' is not "
                    "supported. GPTQ requires a calibration dataset and a `GPTQConfig` object.\n\n"
                    "Please use the `.quantize('gptq', config=...)` method on the layer or model instead."
                )
            self.quantize(mode)

    @property
    def dtype(self):
        """The dtype of the layer's variables."""
        return self._dtype_policy.variable_dtype

    @property
    def compute_dtype(self):
        return self._dtype_policy.compute_dtype

    def _compute_torch_dtype(self):
        cached = self.__dict__.get("_compute_torch_dtype_cache")
        if cached is None or cached[0] is not self._dtype_policy:
            policy = self._dtype_policy
            target = policy.variable_dtype if policy.is_mixed else policy.compute_dtype
            cached = (policy, dtypes.to_torch_dtype(target))
            self.__dict__["_compute_torch_dtype_cache"] = cached
        return cached[1]

    @property
    def variable_dtype(self):
        return self._dtype_policy.variable_dtype

    # --- attribute tracking ----------------------------------------------------------------------------
    def __setattr__(self, name, value):
        if type(value) in _PLAIN_TYPES and name in self.__dict__:
            # A plain value replacing a plain attribute (flags such as `training`, `stop_training`): nothing to
            # track or unregister, so skip nn.Module's bookkeeping.
            self.__dict__[name] = value
            return
        if not name.startswith("_") and _is_metric(value) and "_modules" in self.__dict__:
            tracked = self.__dict__.setdefault("_tracked_metrics", [])
            if not any(m is value for m in tracked):
                tracked.append(value)
                bump_structure_version()
        if isinstance(value, torch.nn.Module) and "_modules" in self.__dict__:
            bump_structure_version()
        if isinstance(value, Variable) and "_parameters" in self.__dict__:
            params = self.__dict__["_parameters"]
            old_key = next((k for k, v in params.items() if v is value), None)
            if old_key is not None and old_key != name:
                # Re-key `self.w = self.add_weight(name="kernel")` in place: one state_dict entry per weight.
                items = [(name if k == old_key else k, v) for k, v in params.items() if k != name]
                params.clear()
                params.update(items)
                self.__dict__.pop(name, None)  # a plain attribute of that name (`self.w = None`) would shadow it
                return
        if isinstance(value, (list, tuple, dict)) and "_modules" in self.__dict__ and not name.startswith("__"):
            from torchkeras.layers import tracking

            if not name.startswith("_") or tracking.contains_module(value):
                tracking.track_collection(self, name, value)
                return
        if "_modules" in self.__dict__ and name in self.__dict__["_modules"] and \
                not isinstance(value, torch.nn.Module) and value is not None:
            del self.__dict__["_modules"][name]  # a tracked collection replaced by a plain value
        super().__setattr__(name, value)

    # --- trainable -------------------------------------------------------------------------------------
    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        value = bool(value)
        self._trainable = value
        for v in self._trainable_variables:
            v.trainable = value
        for layer in self._sublayers():
            if isinstance(layer, Layer):
                layer.trainable = value
            else:
                for p in layer.parameters():
                    p.requires_grad_(value)
        bump_structure_version()

    # --- sublayers and variables -----------------------------------------------------------------------
    def _sublayers(self):
        """Direct sublayers (Keras layers, and plain torch modules treated as leaves), in tracking order."""
        out = []
        seen = set()

        def collect(m):
            if id(m) in seen:
                return
            seen.add(id(m))
            if isinstance(m, Layer):
                out.append(m)
            elif isinstance(m, (torch.nn.ModuleList, torch.nn.ModuleDict)) or getattr(m, "_keras_container", False):
                for c in m.children():
                    collect(c)
            else:
                out.append(m)

        for m in self._modules.values():
            if m is not None:
                collect(m)
        return out

    @property
    def _layers(self):
        return [m for m in self._sublayers() if isinstance(m, Layer)]

    def _flatten_layers(self, include_self=True, recursive=True):
        out = [self] if include_self else []
        seen = {id(self)}
        stack = list(reversed(self._layers))
        while stack:
            layer = stack.pop()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            out.append(layer)
            if recursive:
                stack.extend(reversed(layer._layers))
        return out

    def _structure_cached(self, key, compute):
        """`compute()`, cached until the structure version changes (a weight added, a `trainable` flag or a
        sublayer changed): the variable lists, flat layers and losses are read on every training step."""
        cache = self.__dict__.get("_structure_cache")
        if cache is None or cache[0] != _STRUCTURE_VERSION[0]:
            cache = (_STRUCTURE_VERSION[0], {})
            self.__dict__["_structure_cache"] = cache
        values = cache[1]
        if key not in values:
            values[key] = compute()
        return values[key]

    @property
    def variables(self):
        """All variables (trainable or not) of this layer and its sublayers."""
        return list(self._structure_cached("variables", self._collect_variables))

    def _collect_variables(self):
        result = []
        seen = set()
        for v in self._trainable_variables + self._non_trainable_variables:
            if id(v) not in seen:
                seen.add(id(v))
                result.append(v)
        for layer in self._sublayers():
            vs = layer.variables if isinstance(layer, Layer) else list(layer.parameters())
            for v in vs:
                if id(v) not in seen:
                    seen.add(id(v))
                    result.append(v)
        return result

    @property
    def weights(self):
        return self.variables

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        return list(self._structure_cached(
            "trainable", lambda: [v for v in self._structure_cached("variables", self._collect_variables)
                                  if _is_trainable(v)]))

    @property
    def non_trainable_weights(self):
        if not self.trainable:
            return self.weights
        return list(self._structure_cached(
            "non_trainable", lambda: [v for v in self._structure_cached("variables", self._collect_variables)
                                      if not _is_trainable(v)]))

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    _K3_ADD_WEIGHT = ("shape", "initializer", "dtype", "trainable", "autocast", "regularizer", "constraint",
                      "aggregation", "overwrite_with_gradient", "name")
    _K2_ADD_WEIGHT = ("name", "shape", "dtype", "initializer", "regularizer", "trainable", "constraint")

    def add_weight(self, *args, **kwargs):
        """Create a weight: `add_weight(shape, initializer, dtype, trainable, regularizer, constraint, name)`.

        The Keras 2 positional order (`add_weight(name, shape, dtype, initializer, ...)`) is accepted too.
        """
        order = self._K2_ADD_WEIGHT if args and isinstance(args[0], str) else self._K3_ADD_WEIGHT
        if len(args) > len(order):
            raise TypeError(f"add_weight() takes at most {len(order)} positional arguments.")
        for key, value in zip(order, args):
            if key in kwargs:
                raise TypeError(f"add_weight() got multiple values for argument '{key}'")
            kwargs[key] = value
        for legacy in ("use_resource", "synchronization", "partitioner", "caching_device", "experimental_autocast"):
            kwargs.pop(legacy, None)
        unknown = set(kwargs) - set(self._K3_ADD_WEIGHT)
        if unknown:
            raise TypeError(f"add_weight() got unexpected keyword arguments: {sorted(unknown)}")
        return self._add_weight(**kwargs)

    def _add_weight(self, shape=None, initializer=None, dtype=None, trainable=True, autocast=True,
                    regularizer=None, constraint=None, aggregation="none", overwrite_with_gradient=False,
                    name=None):
        from torchkeras import constraints, initializers, regularizers

        shape = () if shape is None else tuple(int(d) for d in shape)
        dtype = dtypes.standardize_dtype(dtype or self.variable_dtype)
        if initializer is None:
            initializer = "glorot_uniform" if dtypes.is_float_dtype(dtype) else "zeros"
        initializer = initializers.get(initializer)
        device = device_scope(self._weight_device) if self._weight_device is not None else contextlib.nullcontext()
        with symbolic.escape_fake(), naming.name_scope(self.name, caller=self), device, \
                torch.inference_mode(False):
            variable = Variable(initializer=initializer, shape=shape, dtype=dtype, trainable=trainable,
                                autocast=autocast, aggregation=aggregation,
                                name=name or naming.auto_name("variable"))
            # keras.distribution: the active distribution may lay the weight out over its device mesh.
            variable = distribution_state.distribute_variable(self, variable)
        variable.regularizer = regularizers.get(regularizer)
        variable.constraint = constraints.get(constraint)
        variable.overwrite_with_gradient = overwrite_with_gradient
        if not self._trainable and trainable:
            variable.trainable = False
        self._track_variable(variable, trainable)
        return variable

    def _track_variable(self, variable, trainable=None):
        trainable = variable.trainable if trainable is None else trainable
        (self._trainable_variables if trainable else self._non_trainable_variables).append(variable)
        key = variable.name.replace(".", "_") or "variable"
        base, i = key, 1
        while key in self._parameters or key in self._modules or (
                key in self.__dict__ or hasattr(type(self), key)):
            key = f"{base}_{i}"
            i += 1
        self.register_parameter(key, variable)
        bump_structure_version()

    def add_variable(self, shape, initializer, dtype=None, trainable=True, autocast=True, regularizer=None,
                     constraint=None, name=None):
        return self.add_weight(shape=shape, initializer=initializer, dtype=dtype, trainable=trainable,
                               autocast=autocast, regularizer=regularizer, constraint=constraint, name=name)

    # --- weights as numpy ------------------------------------------------------------------------------
    def get_weights(self):
        """The weights as a list of NumPy arrays, in `layer.weights` order."""
        return [_to_numpy(v) for v in self.weights]

    def set_weights(self, weights):
        """Set the weights from a list of NumPy arrays (same order and shapes as `get_weights()`)."""
        params = self.weights
        weights = list(weights)
        if len(params) != len(weights):
            raise ValueError(
                f"You called `set_weights(weights)` on layer '{self.name}' with a weight list of length "
                f"{len(weights)}, but the layer was expecting {len(params)} weights."
            )
        arrays = []
        for p, w in zip(params, weights):
            w = w.detach().cpu().numpy() if isinstance(w, torch.Tensor) else np.asarray(w)
            if tuple(p.shape) != tuple(w.shape):
                raise ValueError(
                    f"Layer {self.name} weight shape {tuple(p.shape)} is not compatible with provided weight "
                    f"shape {tuple(w.shape)}."
                )
            arrays.append(w)
        with torch.no_grad():
            for p, w in zip(params, arrays):
                p.copy_(torch.as_tensor(w, dtype=p.dtype))

    def stateless_call(self, trainable_variables, non_trainable_variables, *args, return_losses=False, **kwargs):
        """Call the layer on the given values of its variables, without changing them.

        Returns `(outputs, non_trainable_variables)` (the values after the call, e.g. updated BatchNormalization
        statistics), plus the list of losses the call added when `return_losses=True`.
        """
        if not self.built:
            raise ValueError(
                f"To call stateless_call, {type(self).__name__} must be built (i.e. its variables must have been "
                "already created). You can build it by calling it on some data."
            )
        trainable, non_trainable = self.trainable_variables, self.non_trainable_variables
        for given, own, what in ((trainable_variables, trainable, "trainable_variables"),
                                 (non_trainable_variables, non_trainable, "non_trainable_variables")):
            if len(given) != len(own):
                raise ValueError(
                    f"Argument `{what}` must be a list of tensors corresponding 1:1 to "
                    f"{type(self).__name__}().{what}. Received list with length {len(given)}, but expected "
                    f"{len(own)} variables."
                )
        # The call runs through `torch.func.functional_call`: the given tensors stand in for the variables, so
        # gradients of the outputs flow to them (and stay valid after the call). Non-trainable values are copied
        # into fresh variables, which the call may update (BatchNormalization statistics): they are returned.
        names = {}
        for name, p in self.named_parameters(remove_duplicate=False):
            names.setdefault(id(p), []).append(name)
        values = {}
        new_values = []
        for own, given in zip(trainable, trainable_variables):
            for name in names.get(id(own), ()):
                values[name] = _value_for(given, own)
        for own, given in zip(non_trainable, non_trainable_variables):
            value = Variable(_value_for(given, own).detach().clone(), trainable=False, name=own.name)
            new_values.append(value)
            for name in names.get(id(own), ()):
                values[name] = value
        outputs = torch.func.functional_call(self, values, args, kwargs, tie_weights=True, strict=False)
        if return_losses:
            losses = [loss for layer in self._flat_layers() for loss in layer._losses]
            return outputs, new_values, losses
        return outputs, new_values

    def count_params(self):
        """The number of scalars in the layer's weights."""
        if not self.built:
            raise ValueError(
                f"You tried to call `count_params` on layer '{self.name}', but the layer isn't built. "
                "You can build it manually via: `layer.build(input_shape)`."
            )
        return int(sum(int(np.prod(v.shape)) for v in self.weights))

    # --- losses ----------------------------------------------------------------------------------------
    def add_loss(self, loss, inputs=None):
        """Add a loss tensor (e.g. an activity regularization) to the layer, for the current call.

        Keras 2: a symbolic tensor computed from a functional model's inputs becomes part of the model and is
        computed on every call; a list adds each of its losses."""
        if isinstance(loss, (list, tuple)):
            for item in loss:
                self.add_loss(item)
            return
        if isinstance(loss, KerasTensor):
            from torchkeras.layers import keras2_losses_metrics

            keras2_losses_metrics.add_symbolic_loss(self, loss)
            return
        if callable(loss) and not isinstance(loss, torch.Tensor):
            loss = loss()
        if loss is None or symbolic.in_symbolic_scope():
            return  # a shape-inference run: the loss of stand-in values is not a loss of the layer
        if not isinstance(loss, (torch.Tensor, KerasTensor)):
            loss = torch.as_tensor(loss, dtype=torch.float32)
        self._losses.append(loss)

    def _add_symbolic_loss(self, tensor):
        """A loss computed from KerasTensors (Keras 2): kept until a functional model built over this layer and
        the tensor's inputs takes it in (a functional model takes it in directly)."""
        self.__dict__.setdefault("_pending_symbolic", []).append((tensor, lambda value: self._losses.append(value)))

    def _add_symbolic_metric(self, tensor, metric):
        """A metric value computed from KerasTensors (Keras 2's `add_metric`): kept like a symbolic loss."""
        self.__dict__.setdefault("_pending_symbolic", []).append((tensor, metric.update_state))

    def add_metric(self, value, name=None, aggregation=None, **kwargs):
        """Keras 2: report the mean of `value` over each epoch as the metric `name` (see `legacy_api`)."""
        from torchkeras.layers import keras2_losses_metrics

        keras2_losses_metrics.add_metric(self, value, name=name, aggregation=aggregation, **kwargs)

    def _add_activity_loss(self, outputs):
        for out in tree.flatten(outputs):
            if isinstance(out, torch.Tensor):
                loss = self.activity_regularizer(out)
                if out.dim() > 0 and out.shape[0] > 0:
                    loss = loss / out.shape[0]
                self.add_loss(loss)

    def _flat_layers(self):
        """`_flatten_layers()`, cached per structure (read on every training step). Do not mutate."""
        return self._structure_cached("flat_layers", self._flatten_layers)

    def _clear_losses(self):
        cache = self.__dict__.get("_structure_cache")  # `_flat_layers()`, read inline: this runs on every call
        layers = cache[1].get("flat_layers") if cache is not None and cache[0] == _STRUCTURE_VERSION[0] else None
        for layer in layers if layers is not None else self._flat_layers():
            if layer._losses:
                layer._losses.clear()

    @property
    def losses(self):
        """Losses added in the last call (`add_loss`, activity regularizers) plus weight regularization."""
        out = []
        for layer in self._flat_layers():
            if layer._losses:
                out.extend(layer._losses)
        out.extend(self._weight_regularization_losses())
        return out

    def _weight_regularization_losses(self):
        regularized = self._structure_cached("regularized", lambda: [
            (v, v.regularizer, dtensor_utils.is_dtensor(v)) for v in self.weights
            if getattr(v, "regularizer", None) is not None and _is_trainable(v)])
        scope = _stateless_scope.get_stateless_scope()
        if scope is not None:  # the given values stand in for the variables (and get the gradients)
            return [reg(_given_or(scope, v)) for v, reg, _ in regularized]
        return [dtensor_utils.whole(reg(v)) if is_dtensor else reg(v) for v, reg, is_dtensor in regularized]

    # --- build -----------------------------------------------------------------------------------------
    def build(self, input_shape=None):
        """Create the layer's weights. The default does nothing."""
        self.built = True

    def _maybe_build(self, args, kwargs, device=None):
        if self.built:
            return
        shapes = self._shapes_for_build(args, kwargs)
        if symbolic.in_symbolic_scope():
            # Built inside shape inference (a sub-layer called in `call`): the weights are still real, on
            # the Keras device (never meta or fake), and filler sizes go back to None.
            shapes = {k: _map_shapes(symbolic.unknown_dims, v) for k, v in shapes.items()}
            device = symbolic.real_device(device)
        self._weight_device = device
        before = (len(self._trainable_variables), len(self._non_trainable_variables), set(self._parameters))
        try:
            with symbolic.escape_fake(device), naming.name_scope(self.name, caller=self):
                shapes = _call_build(self.build, shapes)
        except BaseException:
            self._undo_build(before)
            raise
        finally:
            self._weight_device = None
        self.built = True
        self._build_shapes_dict = shapes
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def _undo_build(self, before):
        """Forget the weights a failed `build` created, so that building again starts clean."""
        n_trainable, n_non_trainable, keys = before
        del self._trainable_variables[n_trainable:]
        del self._non_trainable_variables[n_non_trainable:]
        for key in [k for k in self._parameters if k not in keys]:
            del self._parameters[key]
        self.built = False
        bump_structure_version()

    def _shapes_for_build(self, args, kwargs):
        _, _, names, _ = call_signature_info(self)
        names = [n for n in names if n not in ("training", "mask", "args", "kwargs")]
        shapes = {}
        if args:
            first = args[0]
            key = f"{names[0]}_shape" if names else "input_shape"
            shapes[key] = tree.map_structure(_shape_of, first) if tree.is_nested(first) else _shape_of(first)
        for i, arg in enumerate(args[1:], start=1):
            if i < len(names) and isinstance(arg, (KerasTensor, torch.Tensor, np.ndarray)):
                shapes[f"{names[i]}_shape"] = _shape_of(arg)
        for k, v in kwargs.items():
            if k in names and isinstance(v, (KerasTensor, torch.Tensor, np.ndarray)):
                shapes[f"{k}_shape"] = _shape_of(v)
        if not shapes:
            shapes["input_shape"] = None
        return shapes

    def build_from_config(self, config):
        if not config:
            return
        if "input_shape" in config:
            shape = config["input_shape"]
            if shape is not None:
                with naming.name_scope(self.name, caller=self):
                    self.build(_tupleize(shape))
                self.built = True
                self._build_shapes_dict = {"input_shape": _tupleize(shape)}
        elif "shapes_dict" in config:
            shapes = {k: _tupleize(v) for k, v in config["shapes_dict"].items()}
            with naming.name_scope(self.name, caller=self):
                if len(shapes) == 1:
                    self.build(next(iter(shapes.values())))
                else:
                    self.build(**shapes)
            self.built = True
            self._build_shapes_dict = shapes

    def get_build_config(self):
        if not self.built or self._build_shapes_dict is None:
            return None
        shapes = self._build_shapes_dict
        if len(shapes) == 1:
            return {"input_shape": _listify(next(iter(shapes.values())))}
        return {"shapes_dict": {k: _listify(v) for k, v in shapes.items()}}

    # --- calling ---------------------------------------------------------------------------------------
    def call(self, *args, **kwargs):
        raise NotImplementedError(f"Layer {type(self).__name__} does not have a `call()` method implemented.")

    def forward(self, *args, **kwargs):
        call = self.call if self._dtype_policy._quantization_mode is None else self.quantized_call
        if self._remat_mode is not None:
            return self.rematerialized_call(self._call_with_policy(call), *args, **kwargs)(*args, **kwargs)
        if autocast_scope.needs_policy_scope(self):
            return autocast_scope.call_with_policy(self, call, args, kwargs)
        return call(*args, **kwargs)

    def _call_with_policy(self, call):
        def run(*args, **kwargs):
            if autocast_scope.needs_policy_scope(self):
                return autocast_scope.call_with_policy(self, call, args, kwargs)
            return call(*args, **kwargs)

        return run

    def rematerialized_call(self, layer_call, *args, **kwargs):
        """`layer_call` (the layer's `call`), rematerialized as the `RematScope` the layer was created in says;
        `args`/`kwargs` are the call's arguments."""
        return _remat.rematerialized_call(self, layer_call, args, kwargs)

    def __call__(self, *args, **kwargs):
        if len(args) == 1 and (not kwargs or (len(kwargs) == 1 and "training" in kwargs)):
            # One tensor, as in inference and nested calls: what the general path below would work out about
            # it was recorded the last time it ran (`_plain_call_facts`); only the input is checked.
            first = args[0]
            facts = self.__dict__.get("_plain_call_facts")
            if (facts is not None and facts[0] == _STRUCTURE_VERSION[0] and type(first) is torch.Tensor
                    and (not self.autocast or first.dtype is facts[2] or not first.is_floating_point())
                    and (self.input_spec is None or first.shape == self.__dict__.get("_checked_shape"))
                    and ((not facts[3] and not self.supports_masking) or getattr(first, "_keras_mask", None) is None)):
                return self._call_in_context((first,), {}, kwargs.get("training"), facts[1], facts[4])
        first = args[0] if args else None
        if len(args) > 1 or (kwargs and (len(kwargs) > 1 or "training" not in kwargs)):
            # Like Keras, NumPy arrays in any argument become tensors (`mha(query, value)` with arrays).
            args, kwargs = _arrays_to_tensors(args, kwargs)
        if not isinstance(first, torch.Tensor):
            if args:
                first = tree.map_structure(_to_tensor_input, first)
                args = (first,) + args[1:]
            if any(isinstance(x, KerasTensor) for x in tree.flatten((args, kwargs))):
                return self._symbolic_call(*args, **kwargs)
        elif (len(args) > 1 or kwargs) and _any_keras_tensor(args, kwargs):
            return self._symbolic_call(*args, **kwargs)
        has_training, has_mask, _, _ = call_signature_info(self)
        training = kwargs.pop("training", None)  # resolved and passed on by `_call_in_context`
        if isinstance(first, torch.Tensor):
            previous_mask = getattr(first, "_keras_mask", None)
        elif first is not None and tree.is_nested(first):
            previous_mask = tree.map_structure(lambda x: getattr(x, "_keras_mask", None), first)
            if all(m is None for m in tree.flatten(previous_mask)):
                previous_mask = None
        else:
            previous_mask = None
        if has_mask and previous_mask is not None and kwargs.get("mask") is None:
            kwargs["mask"] = previous_mask
        for arg_name, position, mask_param in arg_mask_params(self):
            if kwargs.get(mask_param) is None:
                tensor = args[position] if position < len(args) else kwargs.get(arg_name)
                mask = getattr(tensor, "_keras_mask", None) if isinstance(tensor, torch.Tensor) else None
                if mask is not None:
                    kwargs[mask_param] = mask
        if self.autocast and isinstance(first, torch.Tensor) and first.is_floating_point():
            compute = self._compute_torch_dtype()
            if first.dtype != compute and not torch.is_autocast_enabled(first.device.type):
                first = first.to(compute)  # Keras casts float inputs to the layer's compute dtype
                args = (first,) + args[1:]
        if not self.built:
            device = next((x.device for x in tree.flatten(args) if isinstance(x, torch.Tensor)), None)
            self._maybe_build(args, kwargs, device=device)
        if self.input_spec is not None and first is not None:
            self._check_input(first)
        if (len(args) == 1 and type(first) is torch.Tensor and set(kwargs) <= {"training"}
                and not arg_mask_params(self) and not _overrides(self, "compute_mask", Layer)):
            # Remember what this call settled, for the next ones on one tensor (see the top): with no mask coming
            # in, none goes out.
            self.__dict__["_plain_call_facts"] = (
                _STRUCTURE_VERSION[0], has_training, self._compute_torch_dtype(), has_mask, forward_is_call(self))
        outputs = self._call_in_context(args, kwargs, training, has_training, forward_is_call(self))
        if self._computes_mask():
            mask = self.compute_mask(first, kwargs.get("mask", previous_mask))
            if isinstance(outputs, torch.Tensor):
                outputs._keras_mask = mask
            else:
                _attach_masks(outputs, mask)
        return outputs

    def _call_in_context(self, args, kwargs, training, has_training, forward_calls):
        """The call itself, its arguments settled: resolve `training` (the caller's, else the enclosing call's,
        the module's train mode, Keras 2's learning phase), run `call` inside the call context and the layer's
        name scope, and add the activity loss. `call` runs straight away when `forward_calls`
        (`forward_is_call(self)`) and nothing else needs `nn.Module.__call__` (`calls_directly`)."""
        stack = _ctx.stack
        if training is None:
            if stack:
                training = stack[-1][0]
            if training is None and self.training:
                training = True
            if training is None and _phase_state.GLOBAL[0] is not None:  # keras2a: K.set_learning_phase
                training = bool(_phase_state.GLOBAL[0])
        if has_training:
            kwargs["training"] = training
        if not stack:
            self._clear_losses()
        stack.append((training, self))
        scopes = naming.scope_stack()
        scoped = not scopes or scopes[-1][1] is not self  # entered once: not again right inside its own scope
        if scoped:
            scopes.append((self.name, self))
        try:
            if forward_calls and not has_module_hooks(self) and plain_calls_allowed():
                outputs = self.call(*args, **kwargs)
            else:
                outputs = torch.nn.Module.__call__(self, *args, **kwargs)
        finally:
            stack.pop()
            if scoped:
                scopes.pop()
        if self.activity_regularizer is not None:
            self._add_activity_loss(outputs)
        return outputs

    def _check_input(self, first):
        """Check inputs against `input_spec`, once per new input shape."""
        shape = tuple(first.shape) if isinstance(first, torch.Tensor) else None
        if shape is not None and shape == self.__dict__.get("_checked_shape"):
            return
        input_spec_lib.assert_input_compatibility(self.input_spec, first, self.name)
        self.__dict__["_checked_shape"] = shape

    def _computes_mask(self):
        return self.supports_masking or _overrides(self, "compute_mask", Layer)

    def _symbolic_call(self, *args, **kwargs):
        has_training, has_mask, _, _ = call_signature_info(self)
        kwargs = dict(kwargs)
        if not has_training:
            kwargs.pop("training", None)
        first = args[0] if args else None
        previous_mask = None
        if first is not None:
            previous_mask = tree.map_structure(lambda x: getattr(x, "_keras_mask", None), first) if \
                tree.is_nested(first) else getattr(first, "_keras_mask", None)
        if not self.built:
            self._maybe_build(args, kwargs)
        if self.input_spec is not None and first is not None:
            input_spec_lib.assert_input_compatibility(self.input_spec, first, self.name)
        call_kwargs = dict(kwargs)
        has_prev_mask = previous_mask is not None and any(m is not None for m in tree.flatten(previous_mask))
        if has_mask and call_kwargs.get("mask") is None and has_prev_mask:
            call_kwargs["mask"] = previous_mask
        try:
            outputs = self.compute_output_spec(*args, **call_kwargs)
        except Exception as e:  # noqa: BLE001 - re-raised with the layer's name and arguments, as Keras does
            raise symbolic.call_error(self, e, args, kwargs) from None
        node_kwargs = dict(kwargs)
        if has_mask and "mask" not in node_kwargs and has_prev_mask and self._keras_call_takes_mask:
            node_kwargs["mask"] = None  # recorded like Keras: the mask is recomputed at run time
        Node(self, call_args=args, call_kwargs=node_kwargs, outputs=outputs)
        if self._computes_mask():
            mask_arg = call_kwargs.get("mask", previous_mask)
            try:
                mask_spec = symbolic.compute_output_spec(self.compute_mask, first, mask_arg)
            except Exception:  # noqa: BLE001 - a mask that can't be inferred symbolically is dropped
                mask_spec = None
            _attach_masks(outputs, mask_spec)
        return outputs

    def compute_output_spec(self, *args, **kwargs):
        if _overrides(self, "compute_output_shape", Layer):
            first = args[0] if args else next(iter(kwargs.values()))
            shape_in = tree.map_structure(lambda x: x.shape, first) if tree.is_nested(first) else first.shape
            try:
                shape_out = self.compute_output_shape(shape_in)
            except NotImplementedError:
                shape_out = None
            if shape_out is not None:
                dtype = self.compute_dtype
                return _shapes_to_tensors(shape_out, dtype)
        try:
            return symbolic.compute_output_spec(self._call_for_spec, *args, **kwargs)
        except Exception as e:  # noqa: BLE001 - re-raised as Keras reports it
            raise symbolic.inference_error(self, e) from None

    def _call_for_spec(self, *args, **kwargs):
        call = self.call if self._dtype_policy._quantization_mode is None else self.quantized_call
        with call_context(training=kwargs.get("training")):
            if autocast_scope.needs_policy_scope(self):
                return autocast_scope.call_with_policy(self, call, args, kwargs)
            return call(*args, **kwargs)

    def compute_output_shape(self, *args, **kwargs):
        raise NotImplementedError(
            f"Layer {type(self).__name__} should implement `def compute_output_shape(self, input_shape)`."
        )

    def compute_mask(self, inputs, previous_mask=None):
        if not self.supports_masking:
            return None
        return previous_mask

    # --- graph attributes ------------------------------------------------------------------------------
    def _node_attr(self, attr, what):
        if not self._inbound_nodes:
            raise AttributeError(
                f"The layer {self.name} has never been called and thus has no defined {what}."
            )
        node = self._inbound_nodes[0]
        if attr == "input":
            values = node.input_tensors
            return values[0] if len(values) == 1 else values
        return node.output_structure

    @property
    def input(self):
        """The input tensor(s) of the layer's first call on symbolic inputs."""
        return self._node_attr("input", "input")

    @property
    def output(self):
        """The output tensor(s) of the layer's first call on symbolic inputs."""
        return self._node_attr("output", "output")

    @property
    def input_shape(self):
        if self._inbound_nodes:
            inp = self.input
            return tree.map_structure(lambda x: x.shape, inp) if isinstance(inp, list) else inp.shape
        if self._build_shapes_dict:
            return next(iter(self._build_shapes_dict.values()))
        raise AttributeError(f"The layer {self.name} has never been called and thus has no defined input shape.")

    @property
    def output_shape(self):
        if self._inbound_nodes:
            out = self.output
            return tree.map_structure(lambda x: x.shape, out) if tree.is_nested(out) else out.shape
        if self._build_shapes_dict:
            try:
                return self.compute_output_shape(next(iter(self._build_shapes_dict.values())))
            except NotImplementedError:
                pass
        raise AttributeError(
            f"The layer {self.name} has never been called and thus has no defined output shape.")

    # --- saving hooks: Keras's saving library calls these for every layer -------------------------------
    def save_own_variables(self, store):
        """Saves the state of the layer.

        You can override this method to take full control of how the state of the layer is saved upon calling
        `model.save()`.

        Args:
            store: Dict where the state of the model will be saved.
        """
        all_vars = self._trainable_variables + self._non_trainable_variables
        for i, v in enumerate(all_vars):
            store[f"{i}"] = v

    def _check_load_own_variables(self, store):
        """Raise if `load_own_variables(store)` would fail: variable count, keys, shapes and dtypes."""
        from torchkeras.saving import stores as stores_lib

        all_vars = self._trainable_variables + self._non_trainable_variables
        if len(store.keys()) != len(all_vars):
            if len(all_vars) == 0 and not self.built:
                raise ValueError(
                    f"Layer '{self.name}' was never built and thus it doesn't have any variables. However the "
                    f"weights file lists {len(store.keys())} variables for this layer.\n"
                    "In most cases, this error indicates that either:\n\n"
                    "1. The layer is owned by a parent layer that implements a `build()` method, but calling the "
                    "parent's `build()` method did NOT create the state of the child layer "
                    f"'{self.name}'. A `build()` method must create ALL state for the layer, including the state "
                    "of any children layers.\n\n"
                    "2. You need to implement the `def build_from_config(self, config)` method on layer "
                    f"'{self.name}', to specify how to rebuild it during loading. In this case, you might also "
                    "want to implement the method that generates the build config at saving time, "
                    "`def get_build_config(self)`. The method `build_from_config()` is meant to create the "
                    "state of the layer (i.e. its variables) upon deserialization.",
                )
            raise ValueError(
                f"Layer '{self.name}' expected {len(all_vars)} variables, but received {len(store.keys())} "
                f"variables during loading. Expected: {[v.name for v in all_vars]}"
            )
        for i, v in enumerate(all_vars):
            if f"{i}" not in store:
                raise ValueError(f"Layer '{self.name}' expected the variables '0' to '{len(all_vars) - 1}' in "
                                 f"the weights file, which lists {list(store.keys())}.")
            stores_lib.check_assignable(v, store[f"{i}"], f"layer '{self.name}'")

    def load_own_variables(self, store):
        """Loads the state of the layer.

        You can override this method to take full control of how the state of the layer is loaded upon calling
        `keras.models.load_model()`.

        Args:
            store: Dict from which the state of the model will be loaded.
        """
        from torchkeras.saving import stores as stores_lib

        self._check_load_own_variables(store)
        all_vars = self._trainable_variables + self._non_trainable_variables
        for i, v in enumerate(all_vars):
            v.assign(stores_lib.assignable(store[f"{i}"]))

    # --- config ----------------------------------------------------------------------------------------
    def get_config(self):
        """The layer's constructor arguments, as a JSON-friendly dict."""
        config = self._constructor_config() if not _overrides(self, "get_config", Layer) else {"name": self.name}
        return self._with_base_config(config)

    def _constructor_config(self):
        """The automatic config of a layer that does not implement `get_config()`: its name and constructor
        arguments (with their defaults), in Keras's order."""
        auto = getattr(self, "_auto_config", None)
        if auto is None:
            raise NotImplementedError(
                f"Layer {type(self).__name__} does not implement get_config(), and its constructor "
                "arguments could not be recorded. Implement `get_config()` in your layer."
            )
        config = {"name": self.name}
        config.update({k: v for k, v in auto.items() if k != "name"})
        if not self.__dict__.get("_auto_config_takes_name", True):
            del config["name"]  # Keras leaves it out when the constructor cannot take it back
        return config

    def _with_base_config(self, config):
        """`config` with the keys every layer has (over the constructor's, keeping their place)."""
        config["trainable"] = self.trainable
        config["dtype"] = dtype_policies.serialize(self.dtype_policy)
        if self.activity_regularizer is not None:
            from torchkeras import regularizers

            config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = dtype_policies.get(config["dtype"])
        try:
            return cls(**config)
        except (TypeError, ValueError) as e:
            allowed = _accepted_kwargs(cls)
            if allowed is None:
                raise
            dropped = {k for k in config if k not in allowed}
            if not dropped:
                raise TypeError(
                    f"Error when deserializing class '{cls.__name__}' using config={config}.\n\n"
                    f"Exception encountered: {e}") from e
            return cls(**{k: v for k, v in config.items() if k in allowed})

    # `print(layer)` / `print(model)`: torch's module tree, each layer with its hyperparameters.
    def _get_name(self):
        return type(self).__name__

    def extra_repr(self):
        """`name=..., ` then the constructor arguments that differ from their defaults (the ones without a
        default, such as `units` or `filters`, always), read from `get_config()`."""
        parts = [f"name={self.name}"]
        try:
            config = self.get_config()
        except Exception:  # noqa: BLE001 - a layer whose config can't be made still prints
            config = {}
        defaults = _constructor_defaults(type(self))
        for key, value in config.items():
            if key in _REPR_SKIP or (key in defaults and _same_value(key, defaults[key], value)) or \
                    (key not in defaults and value in (None, False)):
                continue
            parts.append(f"{key}={_short_repr(value)}")
        return ", ".join(parts)


_REPR_SKIP = {"name", "trainable", "dtype", "autocast", "batch_input_shape", "build_input_shape", "build_config",
              "layers", "input_layers", "output_layers"}


def _constructor_defaults(cls):
    cached = _DEFAULTS_CACHE.get(cls)
    if cached is None:
        try:
            params = inspect.signature(cls.__init__).parameters.values()
            cached = {p.name: p.default for p in params if p.default is not inspect.Parameter.empty}
        except (TypeError, ValueError):
            cached = {}
        _DEFAULTS_CACHE[cls] = cached
    return cached


_DEFAULTS_CACHE = {}


def _same_value(key, default, value):
    if default is None:
        # Arguments whose default Keras resolves in the config.
        if key == "data_format":
            from torchkeras.backend.config import image_data_format

            return value == image_data_format()
        if key.endswith("activation"):
            return value in (None, "linear")
        return value is None
    if isinstance(value, dict) and "class_name" in value:  # a serialized initializer, regularizer, ...
        if not isinstance(default, str):
            return False
        other = _serialized_default(value, default)
        return isinstance(other, dict) and (other.get("class_name"), other.get("config")) == (
            value.get("class_name"), value.get("config"))
    if isinstance(default, tuple) and isinstance(value, (list, tuple)):
        return tuple(default) == tuple(value)
    try:
        return bool(default == value)
    except Exception:  # noqa: BLE001
        return False


def _serialized_default(value, default):
    """The config of a default given by name (`"glorot_uniform"`), in the namespace of `value`'s module."""
    import importlib

    module = value.get("module") if isinstance(value, dict) else None
    if not isinstance(module, str) or not module.startswith("keras."):
        return default
    try:
        from torchkeras.saving import serialization_lib

        namespace = importlib.import_module("torchkeras." + module.split(".", 1)[1])
        return serialization_lib.serialize_keras_object(namespace.get(default))
    except Exception:  # noqa: BLE001 - an unknown default: shown
        return default


def _short_repr(value):
    if isinstance(value, dict) and "class_name" in value:
        return value["class_name"]
    if isinstance(value, list):
        return str(tuple(_short_repr(v) for v in value))
    return str(value)


def _given_or(scope, variable):
    given = scope.given_value(variable)
    return variable if given is None else given


def _value_for(given, variable):
    if isinstance(given, torch.Tensor):
        if given.dtype != variable.dtype or given.device != variable.device:
            given = given.to(device=variable.device, dtype=variable.dtype)
        return given
    return torch.as_tensor(np.asarray(given), dtype=variable.dtype, device=variable.device)


def _call_build(build, shapes):
    """Call `build` with the shapes it takes: one positional shape, or `<arg>_shape` keywords (only those
    its signature names, unless it takes **kwargs). Returns the shapes passed."""
    try:
        params = inspect.signature(build).parameters
    except (TypeError, ValueError):
        params = {}
    named = [k for k, p in params.items() if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)]
    varkw = any(p.kind == p.VAR_KEYWORD for p in params.values())
    if len(shapes) > 1:
        chosen = {k: v for k, v in shapes.items() if varkw or k in named}
        if len(chosen) > 1 or (chosen and next(iter(chosen)) in named and named.index(next(iter(chosen))) > 0):
            build(**chosen)
            return chosen
    first = next(iter(shapes.items()))
    build(first[1])
    return dict([first])


def _is_plain_config_value(value):
    """A value Keras records in an automatic config: str, int, float, bool, None, or lists/tuples/dicts of them."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_is_plain_config_value(v) for v in value)
    if isinstance(value, dict):
        return all(_is_plain_config_value(v) for v in value.values())
    return False


def _accepted_kwargs(cls):
    """Names accepted by `cls(**config)` across its `__init__` chain, or None if anything goes."""
    allowed = set(_LAYER_KWARGS) | {"name", "trainable", "dtype", "autocast", "activity_regularizer"}
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        if klass is Layer:
            break
        params = inspect.signature(init).parameters
        allowed.update(k for k, p in params.items() if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL))
        if not any(p.kind == p.VAR_KEYWORD for p in params.values()):
            return allowed - {"self"}
    return allowed - {"self"}


def _any_keras_tensor(args, kwargs):
    for a in args:
        if isinstance(a, KerasTensor) or (isinstance(a, (list, tuple, dict)) and
                                          any(isinstance(x, KerasTensor) for x in tree.flatten(a))):
            return True
    for a in kwargs.values():
        if isinstance(a, KerasTensor) or (isinstance(a, (list, tuple, dict)) and
                                          any(isinstance(x, KerasTensor) for x in tree.flatten(a))):
            return True
    return False


def _is_metric(value):
    return (hasattr(value, "update_state") and hasattr(value, "result") and hasattr(value, "reset_state")
            and not isinstance(value, (type, torch.nn.Module)))


def _is_trainable(v):
    t = getattr(v, "trainable", None)
    if t is None:
        return bool(v.requires_grad)
    return t


def _to_numpy(v):
    if dtensor_utils.is_dtensor(v):
        return v.numpy()  # a sharded variable: gathers the whole value
    return v.detach().cpu().numpy().copy()


def _attach_masks(outputs, masks):
    if masks is None:
        for o in tree.flatten(outputs):
            if isinstance(o, (torch.Tensor, KerasTensor)):
                try:
                    o._keras_mask = None
                except (AttributeError, RuntimeError):
                    pass
        return
    flat_out = tree.flatten(outputs)
    flat_mask = tree.flatten(masks)
    if len(flat_mask) == 1 and len(flat_out) > 1:
        flat_mask = flat_mask * len(flat_out)
    for o, m in zip(flat_out, flat_mask):
        if isinstance(o, (torch.Tensor, KerasTensor)):
            try:
                o._keras_mask = m
            except (AttributeError, RuntimeError):
                pass


def _is_shape(x):
    return isinstance(x, (tuple, list)) and all(d is None or isinstance(d, int) for d in x)


def _shapes_to_tensors(shape, dtype):
    if _is_shape(shape):
        return KerasTensor(shape, dtype=dtype)
    if isinstance(shape, dict):
        return {k: _shapes_to_tensors(v, dtype) for k, v in shape.items()}
    if isinstance(shape, (list, tuple)):
        return type(shape)(_shapes_to_tensors(v, dtype) for v in shape)
    return shape


def _map_shapes(fn, shapes):
    if shapes is None:
        return None
    if isinstance(shapes, dict):
        return {k: _map_shapes(fn, v) for k, v in shapes.items()}
    if isinstance(shapes, (list, tuple)) and shapes and isinstance(shapes[0], (list, tuple)):
        return type(shapes)(_map_shapes(fn, s) for s in shapes)
    return fn(tuple(shapes))


def _tupleize(shape):
    if isinstance(shape, list) and shape and all(isinstance(s, (list, tuple)) or s is None for s in shape) and \
            any(isinstance(s, (list, tuple)) for s in shape):
        return [_tupleize(s) for s in shape]
    if isinstance(shape, (list, tuple)):
        return tuple(shape)
    return shape


def _listify(shape):
    if isinstance(shape, (list, tuple)):
        return [_listify(s) for s in shape]
    if isinstance(shape, dict):
        return {k: _listify(v) for k, v in shape.items()}
    return shape
