"""The execution plan of a functional graph: a flat list of steps built once, run on every forward.

Each step reads its inputs from a slot array, calls the layer, and writes its outputs (and, where the
graph carries masks, their masks) back. No shape inference, no input checks and no tree walking happen per
step: all of that was settled when the plan was built. A plain chain of layers (a Sequential model, most often)
runs as one loop over the layers' `call`s.
"""
import functools
import warnings

import numpy as np
import torch
from torch.nn.modules import module as _torch_module

from torchkeras.backend import symbolic
from torchkeras.backend.structure import VERSION as _STRUCTURE_VERSION
from torchkeras.backend.keras_tensor import KerasTensor
from torchkeras.mixed_precision import autocast_scope
from torchkeras.ops import function as function_lib
from torchkeras.utils import tree

_module_call = torch.nn.Module.__call__
_layer_lib = []  # torchkeras.layers.layer, imported by the first plan (it imports this module's users)


class GraphPlan:
    def __init__(self, inputs, outputs_struct, nodes_by_depth, side_outputs=()):
        """`side_outputs`: `[(tensor, callback)]`: tensors of the graph computed on every run besides the
        outputs (Keras 2's symbolic `model.add_loss`/`add_metric`); `callback(value)` receives each value
        (not in shape-inference runs)."""
        from torchkeras.layers import layer as layer_lib
        from torchkeras.layers.layer import Layer, call_signature_info

        if not _layer_lib:
            _layer_lib.append(layer_lib)

        # What the plan is rebuilt from on a deepcopy.
        self._graph = (inputs, outputs_struct, nodes_by_depth, list(side_outputs))
        self._slots = {}
        self.input_slots = [self._slot(t) for t in inputs]
        self.input_dtypes = [_torch_dtype(t.dtype) for t in inputs]
        self.input_ranks = [len(t.shape) for t in inputs]
        self.input_last = [t.shape[-1] if t.shape else None for t in inputs]
        self.outputs_struct = outputs_struct
        flat_outputs = tree.flatten(outputs_struct)
        self.steps = []
        self.uses_masks = False
        for node in function_lib.topological_nodes(nodes_by_depth, inputs):
            op = node.operation
            is_layer = isinstance(op, Layer)
            if is_layer:
                has_training, has_mask, _, varkw = call_signature_info(op)
            else:
                has_training = has_mask = False
            template = (node.call_args, node.call_kwargs)
            flat = tree.flatten(template)
            in_slots = [self._slot(x) if isinstance(x, KerasTensor) else None for x in flat]
            out_slots = [self._slot(t) if isinstance(t, KerasTensor) else None for t in node.outputs]
            in_tensors = [x for x in flat if isinstance(x, KerasTensor)]
            mask_in = has_mask and any(getattr(t, "_keras_mask", None) is not None for t in in_tensors)
            mask_out = is_layer and any(getattr(t, "_keras_mask", None) is not None for t in node.outputs)
            arg_masks = _arg_mask_slots(op, node, self._slot) if is_layer else []
            if mask_in or mask_out or arg_masks:
                self.uses_masks = True
            self.steps.append(_make_step(op, is_layer, node, template, flat, in_slots, out_slots, has_training,
                                         mask_in, mask_out, arg_masks))
        self.output_slots = [self._slot(t) for t in flat_outputs]
        self.side_outputs = [(self._slot(t), callback) for t, callback in side_outputs]
        # Each intermediate value is dropped after its last reader: a lower peak of memory, and the allocator
        # reuses the freed blocks instead of touching fresh pages for every layer's output.
        last_reader = {}
        for index, step in enumerate(self.steps):
            for slot in step.reads:
                last_reader[slot] = index
        kept = set(self.output_slots) | {slot for slot, _ in self.side_outputs}
        self.free_after = [() for _ in self.steps]
        for slot, index in last_reader.items():
            if slot not in kept:
                self.free_after[index] += (slot,)
        self._plan_inplace_activations(kept)
        self._plan_absorbed_padding(kept)
        self.output_has_mask = [getattr(t, "_keras_mask", None) is not None for t in flat_outputs]
        self.n_slots = len(self._slots)
        self.single_output = not tree.is_nested(outputs_struct)
        self.chain = self._plan_chain()
        self._chain_direct = (None, ())

    def _plan_chain(self):
        """`[(layer, has_training, recorded training)]` when the graph is a plain chain of layers (each reads the
        previous one's single output, nothing else: no masks, extra arguments, activity losses, in-place forms or
        side outputs), else None. A chain runs as one loop over the layers' calls."""
        if len(self.input_slots) != 1 or len(self.output_slots) != 1 or self.side_outputs or self.uses_masks:
            return None
        chain, slot = [], self.input_slots[0]
        for step in self.steps:
            if (step.chain_link is None or step.reads != (slot,) or step.inplace_candidate is not None
                    or step.pass_on is not None or step.absorb is not None):
                return None
            chain.append(step.chain_link)
            slot = step.writes[0]
        return chain if chain and slot == self.output_slots[0] and self.single_output else None

    def _plan_inplace_activations(self, kept):
        """Let a layer with an in-place form (ReLU, relu6, Add) overwrite its (first) input in inference runs when
        that input is a new tensor of the layer before (a convolution, a batch normalization, a sum), read by
        nothing else and not an output of the model: one large allocation less per layer, and the same numbers."""
        readers, producer = {}, {}
        for step in self.steps:
            for slot in step.reads:
                readers[slot] = readers.get(slot, 0) + 1
            for slot in step.writes:
                producer[slot] = step
        for step in self.steps:
            inplace = step.inplace_candidate
            if inplace is None:
                continue
            # The tensor overwritten: the input, or one of a merge's inputs (the first, unless the layer says
            # any will do: a sum of two is the same either way).
            any_input = getattr(step.op, "_inplace_any_input", None)
            targets = range(len(step.reads)) if any_input is not None and any_input(len(step.reads)) else (0,)
            for target in targets:
                slot = step.reads[target]
                source = producer.get(slot)
                if (step.reads.count(slot) != 1 or source is None or readers[slot] != 1 or slot in kept
                        or slot in self.input_slots):
                    continue
                new = getattr(source.op, "_returns_new_tensor", False)
                if not _own_call(source.op, "_returns_new_tensor"):
                    continue
                if new(len(source.reads)) if callable(new) else new:
                    step.inplace = (inplace, (step.op, source.op), target)
                    break

    def _plan_absorbed_padding(self, kept):
        """Let a convolution absorb the ZeroPadding2D before it in inference runs (when the padded tensor has no
        other reader and is not an output): the padding step passes its input on, marked `_Unpadded`, and the
        convolution runs on it with a padding of its own (see `conv_geometry.zero_padding_as_kernel`): no
        zero-filled copy of the activations."""
        readers = {}
        for step in self.steps:
            for slot in step.reads:
                readers.setdefault(slot, []).append(step)
        for step in self.steps:
            pads = getattr(step.op, "_spatial_pads", None)
            if pads is None or not step.simple or len(step.writes) != 1 or not _own_call(step.op, "_spatial_pads"):
                continue
            pads = pads()
            slot = step.writes[0]
            consumers = readers.get(slot, [])
            if pads is None or slot in kept or len(consumers) != 1:
                continue
            conv = consumers[0]
            absorbs = getattr(conv.op, "_absorbs_zero_padding", None)
            if (not conv.simple or absorbs is None or not absorbs(pads)
                    or getattr(step.op, "activity_regularizer", None) is not None):
                continue
            step.pass_on = (step.op, conv.op)
            conv.absorb = (pads, step.op)

    def _run_chain(self, x, training):
        """A chain's run: each layer's `call` on the last output, or its module call where `calls_directly`
        says no."""
        direct = self._chain_direct
        if direct[0] != _STRUCTURE_VERSION[0]:
            direct = self._chain_direct = (_STRUCTURE_VERSION[0],
                                           [_layer_lib[0].forward_is_call(op) for op, _, _ in self.chain])
        for (op, has_training, recorded), forward_is_call in zip(self.chain, direct[1]):
            if forward_is_call and not (op._forward_hooks or op._forward_pre_hooks or op._backward_hooks
                                        or op._backward_pre_hooks or op._compiled_call_impl is not None):
                call = op.call  # `has_module_hooks`, inline: this loop is the per-layer cost of a Sequential
            else:
                call = functools.partial(_module_call, op)
            if has_training:
                x = call(x, training=recorded if recorded is not None else training)
            else:
                x = call(x)
        return x

    def __deepcopy__(self, memo):
        # The steps are closures over the layers: a copied model gets a plan over its copied graph and layers.
        import copy

        return GraphPlan(*copy.deepcopy(self._graph, memo))

    def _slot(self, tensor):
        key = id(tensor)
        if key not in self._slots:
            self._slots[key] = len(self._slots)
        return self._slots[key]

    def run(self, flat_inputs, training=None, input_masks=None):
        plain = _layer_lib[0].plain_calls_allowed()
        if self.chain is not None and input_masks is None and plain:
            return self._run_chain(flat_inputs[0], training)
        values = [None] * self.n_slots
        masks = [None] * self.n_slots if self.uses_masks or input_masks else None
        for i, (slot, x) in enumerate(zip(self.input_slots, flat_inputs)):
            values[slot] = x
            if masks is not None and input_masks is not None:
                masks[slot] = input_masks[i]
        for step, free in zip(self.steps, self.free_after):
            step(values, masks, training, plain)
            for slot in free:
                values[slot] = None
        if self.side_outputs and not symbolic.in_symbolic_scope():
            for slot, callback in self.side_outputs:
                callback(values[slot])
        outs = [values[s] for s in self.output_slots]
        if masks is not None:
            for out, slot, has in zip(outs, self.output_slots, self.output_has_mask):
                if has and isinstance(out, torch.Tensor):
                    out._keras_mask = masks[slot]
        if self.single_output:
            return outs[0]
        return tree.pack_sequence_as(self.outputs_struct, outs)


def _torch_dtype(name):
    """The torch dtype of a model input, or None for string inputs (kept as NumPy/str)."""
    from torchkeras.backend import dtypes

    if name == "string":
        return None
    return dtypes.to_torch_dtype(name)


def _arg_mask_slots(op, node, slot_of):
    """[(mask parameter, slot of the argument tensor)] for arguments whose mask the layer takes by name."""
    from torchkeras.layers.layer import arg_mask_params

    found = []
    for arg_name, position, mask_param in arg_mask_params(op):
        if position == 0 or node.call_kwargs.get(mask_param) is not None:
            continue  # the first argument's mask travels as `mask` / its own logic
        tensor = node.call_args[position] if position < len(node.call_args) else node.call_kwargs.get(arg_name)
        if isinstance(tensor, KerasTensor) and getattr(tensor, "_keras_mask", None) is not None:
            found.append((mask_param, slot_of(tensor)))
    return found


def _make_step(op, is_layer, node, template, flat, in_slots, out_slots, has_training, mask_in, mask_out,
               arg_masks=()):
    call = (lambda *a, **k: _module_call(op, *a, **k)) if is_layer else op.call
    layer_lib = _layer_lib[0]
    recorded_training = node.call_kwargs.get("training")
    static_kwargs = {k: v for k, v in node.call_kwargs.items()
                     if k not in ("training", "mask") and not any(isinstance(x, KerasTensor) for x in tree.flatten(v))}
    tensor_kwargs = any(isinstance(x, KerasTensor) for x in tree.flatten(node.call_kwargs))
    simple = (len(node.call_args) == 1 and isinstance(node.call_args[0], KerasTensor) and not tensor_kwargs
              and len(out_slots) == 1 and not arg_masks)
    single_out = len(out_slots) == 1 and not tree.is_nested(node.output_structure)
    first_arg_slots = [s for s, x in zip(in_slots, flat) if s is not None][:1]
    # A mask passed explicitly (`layer(x, mask=m)` with `m` a tensor of the graph) wins over the propagated one.
    explicit_mask = any(isinstance(x, KerasTensor) for x in tree.flatten(node.call_kwargs.get("mask")))

    activity = getattr(op, "activity_regularizer", None) is not None

    def finish(values, masks, result, first_value, first_mask):
        if activity:
            op._add_activity_loss(result)
        if single_out:
            values[out_slots[0]] = result
            outs = (result,)
        else:
            outs = tree.flatten(result)
            for s, v in zip(out_slots, outs):
                if s is not None:
                    values[s] = v
        if mask_out:
            out_mask = op.compute_mask(first_value, first_mask)
            flat_masks = tree.flatten(out_mask) if out_mask is not None else [None]
            if len(flat_masks) == 1 and len(out_slots) > 1:
                flat_masks = flat_masks * len(out_slots)
            for s, m, out in zip(out_slots, flat_masks, outs):
                if s is not None:
                    masks[s] = m
                    if isinstance(out, torch.Tensor):
                        out._keras_mask = m  # layers that read their inputs' masks directly find it

    reads = tuple(s for s in in_slots if s is not None)
    inplace_of = getattr(op, "_inplace_inference", None) if is_layer and _own_call(op, "_inplace_inference") else None
    # An in-place form replaces a call on one tensor, or on one list of tensors (a merge), with no other arguments.
    list_arg = (len(node.call_args) == 1 and isinstance(node.call_args[0], (list, tuple)) and not tensor_kwargs
                and all(isinstance(x, KerasTensor) for x in node.call_args[0]) and len(out_slots) == 1)
    inplace_candidate = (inplace_of() if inplace_of is not None and (simple or list_arg) and not static_kwargs
                         else None)
    if simple:
        i = in_slots[[k for k, s in enumerate(in_slots) if s is not None][0]]
        out = out_slots[0]
        bare_finish = single_out and not activity and not mask_out  # `finish` would only store the result

        def step(values, masks, training, plain=False):
            kwargs = dict(static_kwargs)
            if has_training:
                kwargs["training"] = recorded_training if recorded_training is not None else training
            m = masks[i] if masks is not None else None
            if mask_in and m is not None:
                kwargs["mask"] = m
            x = values[i]
            if type(x) is _Unpadded:
                finish(values, masks, _call_absorbing(step, op, x, call, kwargs), x.tensor, m)
            elif step.pass_on is not None and m is None and _unobserved(step.pass_on):
                finish(values, masks, _Unpadded(x), x, m)
            elif step.inplace is not None and _unobserved(step.inplace[1]):
                finish(values, masks, step.inplace[0](x), x, m)
            elif plain and is_layer and layer_lib.calls_directly(op):
                if bare_finish:
                    values[out] = op.call(x, **kwargs)  # what the module call would come to
                else:
                    finish(values, masks, op.call(x, **kwargs), x, m)
            else:
                finish(values, masks, call(x, **kwargs), x, m)

        _describe(step, op, reads, out_slots, inplace_candidate, simple=True)
        if is_layer and not static_kwargs and bare_finish and not mask_in:
            step.chain_link = (op, has_training, recorded_training)
        return step

    def step(values, masks, training, plain=False):
        leaves = [values[s] if s is not None else leaf for s, leaf in zip(in_slots, flat)]
        args, kwargs = tree.pack_sequence_as(template, leaves)
        kwargs = dict(kwargs)
        if not explicit_mask:
            kwargs.pop("mask", None)
        if has_training:
            kwargs["training"] = recorded_training if recorded_training is not None else training
        else:
            kwargs.pop("training", None)
        first_arg = args[0] if args else None
        first_mask = None
        if masks is not None:
            if tree.is_nested(node.call_args[0] if node.call_args else None):
                arg_slots = [slot_of for slot_of in _arg_slots(node.call_args[0], in_slots, flat)]
                first_mask = tree.pack_sequence_as(node.call_args[0], [masks[s] if s is not None else None
                                                                       for s in arg_slots])
                if all(m is None for m in tree.flatten(first_mask)):
                    first_mask = None
            elif first_arg_slots:
                first_mask = masks[first_arg_slots[0]]
        if mask_in and first_mask is not None and not explicit_mask:
            kwargs["mask"] = first_mask
        if masks is not None:
            for mask_param, slot in arg_masks:
                if masks[slot] is not None and kwargs.get(mask_param) is None:
                    kwargs[mask_param] = masks[slot]
        if step.inplace is not None and _unobserved(step.inplace[1]):
            result = step.inplace[0](first_arg, step.inplace[2])
            if result is not None:
                finish(values, masks, result, first_arg, first_mask)
                return
        finish(values, masks, call(*args, **kwargs), first_arg, first_mask)

    _describe(step, op, reads, out_slots, inplace_candidate)
    return step


def _own_call(op, attribute):
    """Whether `op` runs the `call` of the class that declares `attribute` (a promise about that `call`): a
    subclass that overrides `call` (and may keep or alter tensors) gets no shortcut."""
    for klass in type(op).__mro__:
        if attribute in klass.__dict__:
            return type(op).call is getattr(klass, "call", None)
    return False


def _describe(step, op, reads, out_slots, inplace_candidate, simple=False):
    """What the plan reads about a step: its layer, the slots it reads and writes, and its in-place form."""
    step.op = op
    step.simple = simple
    step.reads = reads
    step.writes = tuple(s for s in out_slots if s is not None)
    step.inplace_candidate = inplace_candidate
    # Set by the plan: (function, layers whose hooks must be absent, input overwritten); (padding layer,
    # convolution) for a padding the convolution absorbs; (pads, padding layer) for that convolution.
    step.inplace = None
    step.pass_on = None
    step.absorb = None
    step.chain_link = None  # (layer, has_training, recorded training) for a step that can join a chain


class _Unpadded:
    """An activation that a ZeroPadding2D step passed on unpadded, for the convolution that absorbs the pads."""

    __slots__ = ("tensor",)

    def __init__(self, tensor):
        self.tensor = tensor


def _call_absorbing(step, op, x, call, kwargs):
    """The convolution step on an `_Unpadded` input: the padding absorbed (under the layer's dtype policy), or,
    if something observes the call now, the padding layer and the convolution as they are."""
    pads, padding_layer = step.absorb
    if _unobserved((padding_layer, op)):
        return op._call_with_policy(lambda t: op._call_on_unpadded(t, pads))(x.tensor)
    return call(_module_call(padding_layer, x.tensor), **kwargs)


def _unobserved(layers):
    """A step may take a shortcut only when nothing records or observes it (no autograd, no compiler tracing, no
    hooks) and no mixed-precision policy casts between the layers it involves."""
    if torch.is_grad_enabled() or torch.compiler.is_compiling() or _global_hooks() or autocast_scope.in_mixed_scope():
        return False
    return not any(m._forward_hooks or m._forward_pre_hooks or m._dtype_policy.is_mixed for m in layers)


def _global_hooks():
    return _torch_module._global_forward_hooks or _torch_module._global_forward_pre_hooks


def _arg_slots(first_arg, in_slots, flat):
    n = len(tree.flatten(first_arg))
    return in_slots[:n]


def standardize_inputs(model, inputs):
    """Flatten call inputs to the model's input order, matching dicts by input name."""
    plan = model._graph_plan
    if (type(inputs) is torch.Tensor and len(plan.input_slots) == 1 and inputs.dtype is plan.input_dtypes[0]
            and inputs.dim() == plan.input_ranks[0]):
        return [inputs]  # one tensor of the input's dtype and rank: nothing to convert
    n = len(model.inputs)
    if isinstance(inputs, dict):
        struct = model._inputs_struct
        if isinstance(struct, dict):
            missing = [k for k in struct if k not in inputs]
            if missing:
                raise ValueError(f"Missing data for input(s) {missing}. Expected the following keys: "
                                 f"{list(struct.keys())}. Received keys: {list(inputs.keys())}")
            flat = tree.flatten({k: inputs[k] for k in struct})
        else:
            names = model._input_names
            if all(name in inputs for name in names):
                flat = [inputs[name] for name in names]
            elif n == 1 and len(inputs) == 1:
                flat = list(inputs.values())
            else:
                raise ValueError(
                    f"Missing data for input(s) {[k for k in names if k not in inputs]}. Expected the "
                    f"following keys: {names}. Received keys: {list(inputs.keys())}"
                )
    elif isinstance(inputs, torch.Tensor):
        flat = [inputs]
    else:
        flat = tree.flatten(inputs)
    if len(flat) != n:
        if n == 1 and len(flat) > 1:
            warnings.warn(
                f"The structure of `inputs` doesn't match the expected structure. Expected: "
                f"{[t.name for t in model.inputs]}. Received: {len(flat)} inputs. Using the first one.",
                stacklevel=3,
            )
            flat = flat[:1]
        else:
            raise ValueError(
                f'Layer "{model.name}" expects {n} input(s), but it received {len(flat)} input tensors. '
                f"Inputs received: {[tuple(getattr(x, 'shape', ())) for x in flat]}"
            )
    out = []
    for x, dtype, rank, last in zip(flat, plan.input_dtypes, plan.input_ranks, plan.input_last):
        if dtype is None:  # a string input: passed through as given
            out.append(x)
            continue
        if isinstance(x, np.ndarray) or not isinstance(x, (torch.Tensor, KerasTensor)):
            from torchkeras import ops

            x = ops.convert_to_tensor(np.asarray(x) if not isinstance(x, torch.Tensor) else x, dtype=dtype)
        elif isinstance(x, torch.Tensor) and x.dtype != dtype and (x.is_floating_point() or dtype.is_floating_point):
            x = x.to(dtype)
        if isinstance(x, torch.Tensor):
            if x.dim() == rank - 1 and last == 1:
                x = x.unsqueeze(-1)
            elif x.dim() == rank + 1 and x.shape[-1] == 1:
                x = x.squeeze(-1)
        out.append(x)
    return out
