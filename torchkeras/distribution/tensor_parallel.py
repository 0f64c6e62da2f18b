"""Tensor parallelism along the model axes of a `ModelParallel` mesh, on DTensor.

A weight whose layout names a model axis is created as a DTensor split along it. The layer that computes with
it runs tensor parallel: the outermost layer being built below the innermost model (a Dense for its kernel; a
MultiHeadAttention for the kernel of its `query` projection, which it calls directly), its *owner*. All of the
owner's weights become DTensors on the model sub-mesh (split as their layouts say, replicated otherwise), and
torch forward hooks on the owner turn its tensor inputs into replicated DTensors and its DTensor outputs back
into whole plain tensors. In between, DTensor's sharding propagation runs the owner's own `call` in parallel
(a column-split Dense computes its share of the units and all-gathers them; a row-split one all-reduces
partial sums; attention heads split with their projections), and autograd runs backwards through the same
DTensor ops. The layers around the owner see ordinary tensors.
"""
import torch
from torch.distributed.tensor import DTensor, Replicate

from torchkeras.backend import symbolic
from torchkeras.backend.structure import bump_structure_version
from torchkeras.distribution import sharded_variable
from torchkeras.utils import tree


def owner(layer):
    """The layer that runs tensor parallel for a weight of `layer`: the outermost layer, below the innermost
    model, of the layers being built (a MultiHeadAttention for the kernel of its `query` projection, which it
    calls directly). Models call their layers through `__call__`, so the owner's hooks always run."""
    from torchkeras.backend import naming
    from torchkeras.models.model import Model

    chain = []
    for _, caller in naming.scope_stack():
        if isinstance(caller, Model):
            chain = []
        elif isinstance(caller, torch.nn.Module):
            chain.append(caller)
    if layer in chain:
        return chain[0]
    return layer


def is_adopted(layer):
    return owner(layer).__dict__.get("_tensor_parallel") is not None


def distribute(layer, variable, distribution, placements):
    """`variable` (a new weight of `layer`) as a DTensor on the model sub-mesh; makes the layer's owner (see
    `owner`) tensor parallel first if needed."""
    from torchkeras.models.model import Model

    if hasattr(layer, "state_size"):
        raise ValueError(
            f"The layout map splits the weight '{variable.path}' of the recurrent cell '{layer.name}' along a model "
            "axis: torchkeras runs recurrent layers with whole weights. Leave recurrent weights out of the "
            "LayoutMap (along the batch axis they are still sharded with FSDP)."
        )
    if placements is not None and _is_convolution(layer) and any(p.is_shard() for p in placements):
        raise ValueError(
            f"The layout map splits the weight '{variable.path}' of the convolution layer '{layer.name}' along a "
            "model axis, but torch's DTensor has no rule to compute a convolution with a split kernel. Leave "
            "convolution weights out of the LayoutMap (along the batch axis they are still sharded with FSDP)."
        )
    mesh = distribution.model_mesh()
    host = owner(layer)
    if isinstance(host, Model):
        raise ValueError(
            f"The layout map splits '{variable.path}', a weight of the model '{host.name}' itself, along a model "
            "axis: tensor parallelism applies to the weights of layers. Create the weight in a layer."
        )
    if host.__dict__.get("_tensor_parallel") is None:
        adopt(host, mesh)
    if placements is None:
        placements = [Replicate()] * mesh.ndim
    return sharded_variable.from_full(variable, mesh, placements)


def _is_convolution(layer):
    from torchkeras.layers.convolutional.base_conv import BaseConv
    from torchkeras.layers.convolutional.base_conv_transpose import BaseConvTranspose
    from torchkeras.layers.convolutional.base_depthwise_conv import BaseDepthwiseConv
    from torchkeras.layers.convolutional.base_separable_conv import BaseSeparableConv

    return isinstance(layer, (BaseConv, BaseConvTranspose, BaseDepthwiseConv, BaseSeparableConv))


def adopt(layer, mesh):
    """Make `layer` tensor parallel on `mesh`: the existing weights of it and its sublayers become replicated
    DTensors, and its inputs and outputs are converted around its forward."""
    from torchkeras.distribution import dtensor_rules

    dtensor_rules.register()
    replicated = [Replicate()] * mesh.ndim
    sublayers = layer._flatten_layers() if hasattr(layer, "_flatten_layers") else [layer]
    for sub in sublayers:
        own = list(getattr(sub, "_trainable_variables", [])) + list(getattr(sub, "_non_trainable_variables", []))
        for variable in own:
            if not sharded_variable.is_sharded(variable):
                replace_variable(sub, variable, sharded_variable.from_full(variable, mesh, replicated))
    pre = layer.register_forward_pre_hook(_inputs_to_dtensors, with_kwargs=True)
    post = layer.register_forward_hook(_outputs_to_tensors)
    layer.__dict__["_tensor_parallel"] = (mesh, pre, post)


def replace_variable(layer, old, new):
    """Put `new` wherever `layer` holds `old` (its weight lists, parameters and attributes)."""
    for store in (layer._trainable_variables, layer._non_trainable_variables):
        for i, v in enumerate(store):
            if v is old:
                store[i] = new
    for key, value in list(layer._parameters.items()):
        if value is old:
            layer._parameters[key] = new
    for key, value in list(layer.__dict__.items()):
        if value is old:
            layer.__dict__[key] = new
    bump_structure_version()


def _replicate(mesh):
    return [Replicate()] * mesh.ndim


def _inputs_to_dtensors(module, args, kwargs):
    if symbolic.in_symbolic_scope():
        return None  # shape inference runs on whole, data-less stand-ins of the weights
    mesh = module.__dict__["_tensor_parallel"][0]
    placements = _replicate(mesh)

    def convert(x):
        if isinstance(x, torch.Tensor) and not isinstance(x, DTensor):
            return DTensor.from_local(x, mesh, placements, run_check=False)
        return x

    return tree.map_structure(convert, args), tree.map_structure(convert, kwargs)


def _outputs_to_tensors(module, args, outputs):
    if symbolic.in_symbolic_scope():
        return None

    def convert(x):
        if isinstance(x, DTensor):
            return x.redistribute(x.device_mesh, _replicate(x.device_mesh)).to_local()
        return x

    return tree.map_structure(convert, outputs)
