"""The batch axis of a `ModelParallel` mesh: FSDP2 (`torch.distributed.fsdp.fully_shard`).

Once the model is built, each layer that holds weights (a top-level layer, or a layer of a nested model) is
one FSDP group, and the model is the root: FSDP splits the groups' weights along the batch axis of the mesh
(dimension 0, or the dimension a layout names the batch axis for), all-gathers a group's weights around its
forward (and again in backward) and reduce-scatters (averages) the gradients, so each process keeps only its
shard of the weights, of the gradients and of the optimizer's slots. With `ModelParallel(...,
fully_shard=False)` the weights stay whole along the batch axis and torch's replicate (DDP on FSDP2's
machinery) all-reduces the gradients.

FSDP replaces each weight by a DTensor parameter; torchkeras makes that very object the layer's Keras
variable (a `ShardedVariable` with the same name, path and attributes), so `layer.kernel`, `model.weights`,
the optimizer and saving all see it. Non-trainable state (BatchNormalization's moving statistics), scalar
and integer weights stay whole on every process.
"""
import warnings

import torch
import torch.distributed as dist
from torch.distributed.tensor import DTensor, Shard

from torchkeras.backend import symbolic
from torchkeras.backend.structure import bump_structure_version, structure_version
from torchkeras.distribution import sharded_variable


def prepare(model, distribution):
    """Shard `model` along the batch axis of `distribution` (once)."""
    state = model.__dict__.get("_keras_fsdp")
    if state is not None:
        if state["distribution"] is not distribution:
            raise ValueError(
                f"The model '{model.name}' was already sharded for another distribution ({state['distribution']}). "
                "Create the model again under the new distribution."
            )
        if state["version"] != structure_version():
            _check_unchanged(model, state)
            state["version"] = structure_version()
        return
    variables = model.variables
    missing = [v.path for v in variables if getattr(v, "_layout", None) is None]
    if missing:
        raise ValueError(
            f"The model '{model.name}' has weights that were created before the distribution was set (e.g. "
            f"'{missing[0]}'), so they are not laid out on its device mesh. Call "
            "`keras.distribution.set_distribution(...)` (or enter `distribution.scope()`) before creating the "
            "model."
        )
    optimizer = getattr(model, "optimizer", None)
    built = optimizer is not None and getattr(optimizer, "built", False)
    if built and getattr(optimizer, "_trainable_variables", None):
        raise ValueError(
            f"The optimizer of model '{model.name}' was built before the model's weights were sharded along the "
            f"batch axis. Let `fit` build it (or call `model.compile(...)` on the built model before "
            "`optimizer.build(...)`)."
        )
    # FSDP warns when a module returns a view, because an in-place op on it would skip its backward hook.
    # torchkeras layers and models never modify their outputs in place.
    warnings.filterwarnings("ignore", message=r"FSDP2-wrapped module \(.*\) returned a view tensor")
    _synchronize(model, distribution)
    mesh = distribution.batch_mesh()
    if mesh.size() > 1:
        for module in _groups(model) + [model]:
            _shard(model, module, mesh, distribution)
    bump_structure_version()
    model.__dict__["_keras_fsdp"] = {"distribution": distribution, "version": structure_version(),
                                     "variables": frozenset(id(v) for v in model.variables)}


def is_prepared(model):
    return model.__dict__.get("_keras_fsdp") is not None


def _check_unchanged(model, state):
    current = frozenset(id(v) for v in model.variables)
    if current != state["variables"]:
        new = [v.path for v in model.variables if id(v) not in state["variables"]]
        raise ValueError(
            f"The model '{model.name}' got new weights after its weights were sharded (e.g. "
            f"{new[:1] or 'a removed weight'}). Build every layer before training (call the model on a batch or "
            "`model.build(input_shape)`)."
        )


# --- consistent starting values ------------------------------------------------------------------------
def _synchronize(model, distribution):
    """Give every process the weights of process 0 (each process may have drawn its own initial values):
    whole weights from rank 0, model-axis shards from the first process along the batch axis."""
    whole = [v for v in model.variables if not isinstance(v, DTensor)]
    _broadcast(whole, group=None)
    sharded = [v._local_tensor for v in model.variables if isinstance(v, DTensor)]
    if sharded and distribution.batch_mesh().size() > 1:
        _broadcast(sharded, group=distribution.batch_mesh().get_group(0))


def _broadcast(tensors, group):
    by_dtype = {}
    for t in tensors:
        by_dtype.setdefault(t.dtype, []).append(t)
    for dtype, items in by_dtype.items():
        with torch.no_grad():
            flat = torch.cat([t.detach().reshape(-1) for t in items])
            if dtype == torch.bool:
                flat = flat.to(torch.uint8)
            if dist.get_backend(group) == "nccl" and flat.device.type != "cuda":
                flat = flat.cuda()
            dist.broadcast(flat, group=group, group_src=0)
            offset = 0
            for t in items:
                n = t.numel()
                t.copy_(flat[offset:offset + n].view(t.shape).to(t.device))
                offset += n


# --- groups --------------------------------------------------------------------------------------------
def _is_model(layer):
    from torchkeras.models.model import Model

    return isinstance(layer, Model)


def _own_variables(layer):
    return list(getattr(layer, "_trainable_variables", [])) + list(getattr(layer, "_non_trainable_variables", []))


def _groups(layer):
    """The modules to shard, children first: every layer with weights, entering nested models (they call
    their layers through `__call__`, so each layer's FSDP hooks run)."""
    out = []
    sublayers = layer._sublayers() if hasattr(layer, "_sublayers") else list(layer.children())
    for child in sublayers:
        if _is_model(child):
            out.extend(_groups(child))
            if _own_variables(child):
                out.append(child)
        elif any(True for _ in child.parameters()):
            out.append(child)
    return out


def _state_variables(model):
    """Ids of the weights FSDP must leave whole: non-trainable state, scalars, non-float weights."""
    ids = set()
    for layer in model._flatten_layers():
        for v in getattr(layer, "_non_trainable_variables", []):
            ids.add(id(v))
    for v in model.parameters():
        if v.dim() == 0 or not v.is_floating_point():
            ids.add(id(v))
    return ids


def _make_contiguous(variable):
    """FSDP splits contiguous tensors: lay the weight out row-major (Dense kernels are column-major)."""
    with torch.no_grad():
        if isinstance(variable, DTensor):
            if variable._local_tensor.is_contiguous() and variable.is_contiguous():
                return
            local = variable._local_tensor.contiguous()
            variable.data = DTensor.from_local(local, variable.device_mesh, variable.placements, run_check=False,
                                               shape=variable.shape, stride=_contiguous_stride(variable.shape))
        elif not variable.is_contiguous():
            variable.data = variable.data.contiguous()


def _contiguous_stride(shape):
    stride, acc = [], 1
    for d in reversed(tuple(shape)):
        stride.append(acc)
        acc *= d
    return tuple(reversed(stride))


def _placement_fn(param):
    dim = getattr(param, "_fsdp_dim", None)
    return Shard(dim) if dim is not None else None


def _shard(model, module, mesh, distribution):
    state_ids = _state_variables(model)
    before = {}
    for sub in module.modules():
        for name, p in sub._parameters.items():
            if p is not None:
                before[(id(sub), name)] = p
    ignored = {p for p in before.values() if id(p) in state_ids}
    for p in before.values():
        if id(p) not in state_ids and not _managed(p):
            _make_contiguous(p)
    cls = type(module)
    pre_hooks, post_hooks = set(module._forward_pre_hooks), set(module._forward_hooks)
    if distribution.fully_shard:
        from torch.distributed.fsdp import fully_shard

        fully_shard(module, mesh=mesh, shard_placement_fn=_placement_fn, ignored_params=ignored)
    else:
        from torch.distributed._composable.replicate_with_fsdp import replicate

        replicate(module, mesh=mesh, ignored_params=ignored)
    module.__class__ = cls  # keep the Keras class (names in configs, isinstance checks); FSDP's state stays
    _guard_hooks(module, module._forward_pre_hooks, pre_hooks)
    _guard_hooks(module, module._forward_hooks, post_hooks)
    mapping = {}
    for sub in module.modules():
        for name, p in sub._parameters.items():
            old = before.get((id(sub), name))
            if old is not None and p is not old and isinstance(p, DTensor):
                if not sharded_variable.is_sharded(p) or p.__dict__.get("_keras_name") is None:
                    sharded_variable.promote(p, old)
                p._fsdp_managed = True
                mapping[id(old)] = p
    _rebind(model, mapping)


def _managed(p):
    return getattr(p, "_fsdp_managed", False)


def _guard_hooks(module, hooks, existing):
    """FSDP's forward hooks do nothing during shape inference (which runs on data-less weights)."""
    for key in [k for k in hooks if k not in existing]:
        hooks[key] = _skip_in_symbolic(hooks[key])


def _skip_in_symbolic(hook):
    def guarded(*args):
        if symbolic.in_symbolic_scope():
            return None
        return hook(*args)

    guarded.__wrapped__ = hook
    return guarded


def _rebind(model, mapping):
    """Point the Keras weight lists and attributes of every layer at FSDP's sharded parameters."""
    if not mapping:
        return
    for layer in model._flatten_layers():
        for store in (getattr(layer, "_trainable_variables", None), getattr(layer, "_non_trainable_variables", None)):
            if store:
                for i, v in enumerate(store):
                    new = mapping.get(id(v))
                    if new is not None:
                        store[i] = new
        for key, value in list(layer.__dict__.items()):
            if isinstance(value, torch.Tensor):
                new = mapping.get(id(value))
                if new is not None:
                    layer.__dict__[key] = new
    bump_structure_version()
