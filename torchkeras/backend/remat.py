"""Rematerialization (gradient checkpointing): `keras.remat` and `keras.RematScope`.

A rematerialized function keeps only its inputs for the backward pass and runs again during `backward` to get
the activations its gradients need: less activation memory for more compute. On torch this is
`torch.utils.checkpoint.checkpoint(..., use_reentrant=False)`, as in Keras's torch backend.

The recomputation gives the same numbers as the first run and changes nothing: it runs under the call context
the first run had (`training`, name scopes, the mixed-precision region), and with the state that run started
from (the values of non-trainable variables such as BatchNormalization's moving statistics, stateful RNN
states and seed generator states, and the states of `torch.Generator`s of seeded layers), which is put back
afterwards, so moving statistics are updated once, not twice, and seeded dropout draws the same mask.
torch's checkpoint itself replays torch's global random state and autocast.

A `RematScope` is active when a layer is *created*: the layer then rematerializes its calls by the scope's
mode ("full", "activations", "larger_than", "list_of_layers").
"""
import collections
import contextlib
import math
import threading

import torch
import torch.utils.checkpoint

from torchkeras.api_export import keras_export
from torchkeras.backend import naming
from torchkeras.backend import symbolic
from torchkeras.backend.keras_tensor import KerasTensor
from torchkeras.utils import tree

_MODES = ("full", "activations", "larger_than", "list_of_layers", None)
_state = threading.local()

RematMode = collections.namedtuple("RematMode", ["mode", "output_size_threshold", "layer_names"])


def _scope_stack():
    stack = getattr(_state, "scopes", None)
    if stack is None:
        stack = _state.scopes = []
    return stack


@keras_export("keras.RematScope")
class RematScope:
    """A context manager for enabling rematerialization in Keras.

    Rematerialization (gradient checkpointing) trades memory for computation by recomputing intermediate
    activations during the backward pass. Use the scope when creating the layers: rematerialization applies
    to the calls of the layers created inside it.

    Args:
        mode: `"full"` (every layer), `"activations"` (the activation functions of layers that have one),
            `"larger_than"` (layers whose outputs have more than `output_size_threshold` elements),
            `"list_of_layers"` (the layers named in `layer_names`), or `None` (no rematerialization).
        output_size_threshold: the threshold of the `"larger_than"` mode. Defaults to 1024.
        layer_names: the layer names of the `"list_of_layers"` mode. Defaults to an empty list.

    ```python
    with keras.RematScope(mode="list_of_layers", layer_names=["dense_1"]):
        layer1 = keras.layers.Dense(128, name="dense_1")  # rematerialized
        layer2 = keras.layers.Dense(64, name="dense_2")  # not rematerialized
    ```
    """

    def __init__(self, mode="full", output_size_threshold=1024, layer_names=None):
        if mode not in _MODES:
            raise ValueError(
                f"Invalid mode '{mode}'. Supported modes are: 'full', 'activations', 'larger_than', "
                "'list_of_layers', or  None."
            )
        self.mode = mode
        self.output_size_threshold = output_size_threshold
        self.layer_names = layer_names or []
        self._pop_on_exit = False

    def __enter__(self):
        _scope_stack().append(self)
        self._pop_on_exit = True
        return self

    def __exit__(self, *args, **kwargs):
        if self._pop_on_exit:
            _scope_stack().pop()
            self._pop_on_exit = False
        return False


def get_current_remat_mode():
    """The `RematMode(mode, output_size_threshold, layer_names)` of the innermost `RematScope`, or None."""
    stack = getattr(_state, "scopes", None)
    if not stack:
        return None
    scope = stack[-1]
    return RematMode(scope.mode, scope.output_size_threshold, scope.layer_names)


@keras_export("keras.remat")
def remat(f):
    """Applies rematerialization to a function or layer for memory optimization.

    The returned function computes `f(*args, **kwargs)` but keeps none of its intermediate results for the
    backward pass: they are recomputed during `backward`, which lowers peak memory at the cost of compute.

    ```python
    class CustomRematLayer(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.remat_function = keras.remat(self.intermediate_function)

        def intermediate_function(self, x):
            for _ in range(2):
                x = x + x * 0.1
            return x

        def call(self, inputs):
            return self.remat_function(inputs)
    ```
    """
    owner = getattr(f, "__self__", None)
    owner = owner if isinstance(owner, torch.nn.Module) else None

    def wrapped(*args, **kwargs):
        return checkpoint_call(f, args, kwargs, owner=owner)

    wrapped.__wrapped__ = f
    return wrapped


# --- the per-thread stacks a call runs under ------------------------------------------------------------

_THREAD_STACKS = []  # (threading.local, attribute): lists that describe the call context (see layers/layer.py)


def register_thread_stack(local, attribute):
    """Register a per-thread list (a call-context stack) that a recomputation must see as the first run did."""
    if not any(entry[0] is local and entry[1] == attribute for entry in _THREAD_STACKS):
        _THREAD_STACKS.append((local, attribute))


register_thread_stack(naming._state, "stack")


def _capture_stacks():
    return [list(getattr(local, attribute, None) or ()) for local, attribute in _THREAD_STACKS]


# --- the state a layer's call may change ----------------------------------------------------------------


def _state_tensors(module):
    """The tensors of `module` (not its sublayers) that its call may update: non-trainable variables, buffers
    and seed generator states."""
    from torchkeras.random.seed_generator import SeedGenerator

    tensors = list(module.__dict__.get("_non_trainable_variables", ()))
    tensors.extend(b for b in module._buffers.values() if b is not None)
    tensors.extend(v.state for v in module.__dict__.values() if isinstance(v, SeedGenerator))
    return tensors


def _generator_slots(module):
    """`{(id(container), key): (container, key, generator)}` for the `torch.Generator`s `module` holds, as
    attributes or in a dict attribute (seeded layers draw from their own generators)."""
    own = module.__dict__
    slots = {}
    for name, value in own.items():
        if isinstance(value, torch.Generator):
            slots[(id(own), name)] = (own, name, value)
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, torch.Generator):
                    slots[(id(value), key)] = (value, key, item)
    return slots


class _ModuleState:
    """The state of one module when a rematerialized region first ran it."""

    def __init__(self, module):
        self.module = module
        with torch.no_grad():
            self.tensors = [(t, t._version, t.detach().clone()) for t in _state_tensors(module)]
        self.slots = _generator_slots(module)
        self.generators = [(g, g.get_state()) for _, _, g in self.slots.values()]
        self.created = []  # generators the first run created (seeded layers make theirs on first use)

    def note_created(self):
        for key, (container, name, generator) in _generator_slots(self.module).items():
            if key not in self.slots or self.slots[key][2] is not generator:
                self.created.append((container, name, generator))


class _Region:
    """One rematerialized call: records the modules it runs and replays it from the same state."""

    def __init__(self, owner):
        self.stacks = _capture_stacks()
        self.states = {}
        if owner is not None:
            self._record(owner, None)

    def contexts(self):
        return self._first_run(), self._recompute()

    def _record(self, module, _args):
        if id(module) not in self.states:
            self.states[id(module)] = _ModuleState(module)

    @contextlib.contextmanager
    def _first_run(self):
        handle = torch.nn.modules.module.register_module_forward_pre_hook(self._record)
        try:
            yield
        finally:
            handle.remove()
            for state in self.states.values():
                state.note_created()

    @contextlib.contextmanager
    def _recompute(self):
        undo = self.rewind()
        saved_stacks = [getattr(local, attribute, None) for local, attribute in _THREAD_STACKS]
        for (local, attribute), stack in zip(_THREAD_STACKS, self.stacks):
            setattr(local, attribute, list(stack))
        try:
            yield
        finally:
            for (local, attribute), stack in zip(_THREAD_STACKS, saved_stacks):
                setattr(local, attribute, stack)
            undo()

    def rewind(self):
        """Put the recorded modules back in the state the first run found them in; returns the function that
        restores their current state."""
        changed, generators, created, losses, seen = [], [], [], [], set()
        with torch.no_grad():
            for state in self.states.values():
                for tensor, version, value in state.tensors:
                    if id(tensor) in seen:
                        continue
                    seen.add(id(tensor))
                    if tensor._version != version:  # updated since: back to the value the first run saw
                        changed.append((tensor, tensor.detach().clone()))
                        tensor.copy_(value)
                for generator, value in state.generators:
                    generators.append((generator, generator.get_state()))
                    generator.set_state(value)
                for container, name, generator in state.created:
                    # Made during the first run: taken away, so a rerun makes it again the same way.
                    if container.get(name) is generator:
                        created.append((container, name, generator))
                        del container[name]
                layer_losses = state.module.__dict__.get("_losses")
                if isinstance(layer_losses, list):
                    losses.append((layer_losses, list(layer_losses)))

        def undo():
            with torch.no_grad():
                for tensor, value in reversed(changed):
                    tensor.copy_(value)
            for generator, value in reversed(generators):
                generator.set_state(value)
            for container, name, generator in created:
                container[name] = generator
            for layer_losses, value in losses:
                layer_losses[:] = value

        return undo


def checkpoint_call(fn, args, kwargs, owner=None):
    """`fn(*args, **kwargs)`, rematerialized: its activations are recomputed in the backward pass.

    `owner` is the module whose call `fn` is (its state is recorded before `fn` runs; modules called inside
    `fn` are recorded as they are called)."""
    if not torch.is_grad_enabled() or symbolic.in_symbolic_scope() or any(
            isinstance(x, KerasTensor) for x in tree.flatten((args, kwargs))):
        return fn(*args, **kwargs)
    if torch.compiler.is_compiling():
        # Under torch.compile the checkpointed region is one graph region: AOTAutograd recomputes it and the
        # state updates in it happen once.
        return torch.utils.checkpoint.checkpoint(fn, *args, use_reentrant=False, **kwargs)
    region = _Region(owner)
    return torch.utils.checkpoint.checkpoint(fn, *args, use_reentrant=False, context_fn=region.contexts, **kwargs)


# --- layers created in a RematScope ---------------------------------------------------------------------


def rematerialized_call(layer, layer_call, args, kwargs):
    """`layer_call` (the layer's call), rematerialized as the layer's `RematScope` mode says (Keras's rules)."""
    mode = layer._remat_mode
    if not mode or mode.mode is None:
        return layer_call
    if mode.mode == "activations":
        activation = getattr(layer, "activation", None)
        if activation is None or getattr(activation, "__name__", None) == "linear":
            return layer_call  # nothing to recompute
        return _with_rematerialized_activation(layer, layer_call, activation)
    if mode.mode == "list_of_layers" and layer.name not in mode.layer_names:
        return layer_call
    if mode.mode == "larger_than" and not _output_size(layer, args, kwargs) > mode.output_size_threshold:
        return layer_call

    def rematerialized(*call_args, **call_kwargs):
        return checkpoint_call(layer_call, call_args, call_kwargs, owner=layer)

    return rematerialized


def _with_rematerialized_activation(layer, layer_call, activation):
    def call_with_rematerialized_activation(*args, **kwargs):
        own = layer.__dict__
        had, previous = "activation" in own, own.get("activation")
        own["activation"] = remat(activation)  # shadows the attribute (or registered sublayer) for this call
        try:
            return layer_call(*args, **kwargs)
        finally:
            if had:
                own["activation"] = previous
            else:
                del own["activation"]

    return call_with_rematerialized_activation


def _output_size(layer, args, kwargs):
    """The number of elements of the layer's outputs for these inputs (inferred once per input signature)."""
    flat = tree.flatten((args, kwargs))
    key = tuple((tuple(x.shape), x.dtype) for x in flat if isinstance(x, torch.Tensor))
    cache = layer.__dict__.setdefault("_remat_output_sizes", {})
    if key not in cache:
        from torchkeras.backend import dtypes

        def spec(x):
            if isinstance(x, torch.Tensor):
                return KerasTensor(tuple(x.shape), dtype=dtypes.standardize_dtype(x.dtype))
            return x

        # Shape inference may run the layer on stand-in data: whatever that changes (moving statistics, random
        # generators, losses) is put back.
        region = _Region(layer)
        with region._first_run():
            outputs = layer.compute_output_spec(*tree.map_structure(spec, list(args)),
                                                **tree.map_structure(spec, dict(kwargs)))
        region.rewind()
        cache[key] = sum(math.prod(d or 1 for d in x.shape) for x in tree.flatten(outputs)
                         if isinstance(x, KerasTensor))
    return cache[key]
