"""`model.export(path, format="torch")`: a `torch.export` ExportedProgram saved as a `.pt2` file.

The artifact holds ATen operations only; load it with `torch.export.load(path)` and run
`program.module()(inputs)`. Like Keras, shapes are static (unknown dims traced at 1) unless `dynamic_shapes`
is given, e.g. `dynamic_shapes={0: torch.export.Dim("batch")}` for a single-input model.
"""
import inspect
import warnings

import torch

from torchkeras.export import input_signature as signature_lib
from torchkeras.export.inference_mode import inference_mode
from torchkeras.utils import io_utils


def export_torch(model, filepath, input_signature=None, verbose=None, **kwargs):
    """Trace `model` with `torch.export.export` (non-strict by default) and save the program to `filepath`."""
    filepath = str(filepath)
    if not filepath.endswith(".pt2"):
        raise ValueError(f"The PyTorch export requires the filepath to end with '.pt2'. Got: {filepath}")
    export_kwargs = _export_kwargs(kwargs)
    signature = (signature_lib.model_input_signature(model) if input_signature is None
                 else signature_lib.normalize_signature(input_signature))
    dynamic_shapes = export_kwargs.get("dynamic_shapes")
    # torch.export specializes dims of size 1, so dynamic dims are traced with a sample size of 2.
    samples = signature_lib.sample_inputs(signature, fill=2 if dynamic_shapes is not None else 1)
    if dynamic_shapes is not None:
        export_kwargs["dynamic_shapes"] = _normalize_dynamic_shapes(dynamic_shapes, samples)
    program = trace(model, samples, **export_kwargs)
    torch.export.save(program, filepath)
    if verbose is None or verbose:
        io_utils.print_msg(f"Saved PyTorch ExportedProgram at '{filepath}'.")
    return filepath


def trace(model, samples, **export_kwargs):
    """`torch.export.export(model, samples)` in inference mode, with Keras's error on failure."""
    export_kwargs.setdefault("strict", False)
    with inference_mode(model), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*not properly registered as a submodule.*")
        try:
            return torch.export.export(model, tuple(samples), **export_kwargs)
        except Exception as e:
            raise RuntimeError(
                "Failed to export model to PyTorch format. Common causes: unsupported operations, "
                f"data-dependent control flow, or shape constraints not satisfied. Original error: {e}"
            ) from e


def _export_kwargs(user_kwargs):
    supported = {name for name in inspect.signature(torch.export.export).parameters
                 if name not in {"mod", "args", "kwargs"}}
    unknown = sorted(set(user_kwargs) - supported)
    if unknown:
        raise ValueError(
            f'Unsupported arguments for `format="torch"`: {", ".join(unknown)}. Supported arguments are: '
            f'{", ".join(sorted(supported))}.'
        )
    return dict(user_kwargs)


def _normalize_dynamic_shapes(dynamic_shapes, samples):
    """Layers take `forward(*args)`, so torch.export wants one spec for the whole args tuple:
    `{0: Dim}` for a one-input model becomes `[({0: Dim},)]`."""
    if isinstance(dynamic_shapes, dict):
        if "args" in dynamic_shapes or "kwargs" in dynamic_shapes:
            return dynamic_shapes
        return [(dynamic_shapes,)] if len(samples) == 1 else dynamic_shapes
    if isinstance(dynamic_shapes, (list, tuple)):
        if len(dynamic_shapes) == 1 and isinstance(dynamic_shapes[0], (list, tuple)):
            return dynamic_shapes
        if len(dynamic_shapes) == len(samples):
            return [tuple(dynamic_shapes)]
    return dynamic_shapes
