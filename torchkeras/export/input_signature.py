"""The inputs an exported model is traced with: specs from the model (or the user), and sample tensors.

Like Keras, a functional model takes one positional argument holding its whole input structure, so its
signature is `[structure]`; a Sequential or subclassed model takes its single input tensor.
"""
import torch

from torchkeras.backend import dtypes
from torchkeras.backend.keras_tensor import KerasTensor
from torchkeras.layers.input_spec import InputSpec
from torchkeras.utils import tree


def model_input_signature(model):
    """`[spec structure]` for a built model, from its `Input`s or the shapes of its first call."""
    if not model.built:
        raise ValueError("The model provided has not yet been built. It must be built before export.")
    struct = model.__dict__.get("_inputs_struct")
    if struct is not None:
        return [tree.map_structure(_spec, struct)]
    shapes = getattr(model, "_build_shapes_dict", None)
    if shapes:
        shape = next(iter(shapes.values()))
        if shape is not None:
            return [_shapes_to_specs(shape)]
    raise ValueError(
        "The model provided has never been called. It must be called at least once (or given an "
        "`input_signature`) before export."
    )


def normalize_signature(signature):
    """A user `input_signature` (specs, `KerasTensor`s, `InputSpec`s, tensors or shapes) as a list."""
    if isinstance(signature, (torch.Tensor, KerasTensor, InputSpec)):
        signature = [signature]
    elif isinstance(signature, tuple) and _is_shape(signature):
        signature = [signature]
    elif isinstance(signature, dict):
        signature = [signature]
    return list(signature)


def sample_inputs(signature, fill=1):
    """Tensors matching `signature` (unknown dims replaced by `fill`) on the default device."""
    from torchkeras.backend.device import get_device

    device = get_device()

    def make(spec):
        if isinstance(spec, torch.Tensor):
            return spec.to(device)
        if _is_shape(spec):
            spec = KerasTensor(tuple(spec), record_history=False)
        shape = tuple(fill if d is None else int(d) for d in spec.shape)
        dtype = dtypes.to_torch_dtype(getattr(spec, "dtype", None) or "float32")
        return torch.ones(shape, dtype=dtype, device=device)

    return tuple(tree.map_structure(make, s) if not _is_shape(s) else make(s) for s in signature)


def dynamic_dims(signature):
    """For each flat input, the positions of its unknown dims (`None`)."""
    out = []
    for spec in _flat_specs(signature):
        shape = tuple(spec.shape) if not isinstance(spec, torch.Tensor) else ()
        out.append([i for i, d in enumerate(shape) if d is None])
    return out


def flat_names(signature):
    """Input names for ONNX: each spec's name, else `input_{i}`."""
    flat = _flat_specs(signature)
    names = []
    for i, spec in enumerate(flat):
        name = getattr(spec, "name", None)
        names.append(name if isinstance(name, str) and name and name not in names else f"input_{i}")
    return names


def _flat_specs(signature):
    return tree.flatten([KerasTensor(tuple(s), record_history=False) if _is_shape(s) else s for s in signature])


def _spec(x):
    if isinstance(x, KerasTensor):
        return KerasTensor(tuple(x.shape), dtype=x.dtype, record_history=False, name=getattr(x, "name", None))
    return x


def _shapes_to_specs(shapes):
    if _is_shape(shapes):
        return KerasTensor((None,) + tuple(shapes[1:]), record_history=False)
    if isinstance(shapes, dict):
        return {k: _shapes_to_specs(v) for k, v in shapes.items()}
    return [_shapes_to_specs(s) for s in shapes]


def _is_shape(x):
    return isinstance(x, (tuple, list)) and all(d is None or isinstance(d, int) for d in x)
