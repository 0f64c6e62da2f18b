"""`model.export(path, format="onnx")`: an ONNX graph of the model's inference pass.

Needs the `onnx` package (and `onnxscript` for torch's dynamo-based exporter). Unknown dims of the input
signature (the batch size) stay dynamic in the ONNX graph. The dynamo-based exporter is tried first; if it
cannot export the model, torch's TorchScript-based exporter is used, like Keras does.
"""
import importlib.util
import inspect
import warnings

import torch

from torchkeras.export import input_signature as signature_lib
from torchkeras.export.inference_mode import inference_mode
from torchkeras.utils import io_utils
from torchkeras.utils import tree


def onnx_available():
    return importlib.util.find_spec("onnx") is not None


def export_onnx(model, filepath, verbose=None, input_signature=None, opset_version=None, **kwargs):
    """Export `model` to an ONNX file at `filepath`."""
    if kwargs:
        raise ValueError(f'Unsupported arguments for `format="onnx"`: {", ".join(sorted(kwargs))}. Supported '
                         "arguments are: input_signature, opset_version, verbose.")
    if not onnx_available():
        raise ImportError(
            'Exporting to ONNX needs the `onnx` package (and `onnxscript` for the dynamo-based exporter). '
            "Install them with `pip install onnx onnxscript`."
        )
    filepath = str(filepath)
    signature = (signature_lib.model_input_signature(model) if input_signature is None
                 else signature_lib.normalize_signature(input_signature))
    names = signature_lib.flat_names(signature)
    dims = signature_lib.dynamic_dims(signature)
    dynamic = any(dims)
    verbose = bool(verbose) if verbose is not None else False
    errors = []
    if importlib.util.find_spec("onnxscript") is not None:
        try:
            _export_dynamo(model, filepath, signature, names, dims, dynamic, opset_version, verbose)
            return filepath
        except Exception as e:  # noqa: BLE001 - fall back to the TorchScript exporter, like Keras
            errors.append(f"dynamo exporter: {type(e).__name__}: {e}")
    try:
        _export_torchscript(model, filepath, signature, names, dims, opset_version, verbose)
    except Exception as e:
        errors.append(f"TorchScript exporter: {type(e).__name__}: {e}")
        raise RuntimeError("Failed to export model to ONNX. " + " | ".join(errors)) from e
    if verbose:
        io_utils.print_msg(f"Saved ONNX model at '{filepath}'.")
    return filepath


class FlatInputs(torch.nn.Module):
    """Takes the model's inputs as flat positional tensors (one per ONNX input) and packs them back into the
    structure the model expects."""

    def __init__(self, model, structure):
        super().__init__()
        self.model = model
        self.__dict__["structure"] = structure
        self.train(False)

    def forward(self, *flat):
        return self.model(*tree.pack_sequence_as(list(self.structure), list(flat)))


def _export_dynamo(model, filepath, signature, names, dims, dynamic, opset_version, verbose):
    samples = signature_lib.sample_inputs(signature, fill=2 if dynamic else 1)
    export_kwargs = {"dynamo": True, "input_names": names, "verbose": verbose, "optimize": _can_optimize()}
    if opset_version is not None:
        export_kwargs["opset_version"] = opset_version
    if dynamic:
        export_kwargs["dynamic_shapes"] = [tuple(_dynamic_specs(dims))]
    with inference_mode(model), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        program = torch.onnx.export(FlatInputs(model, samples), tuple(tree.flatten(list(samples))),
                                    **export_kwargs)
    program.save(filepath)


def _export_torchscript(model, filepath, signature, names, dims, opset_version, verbose):
    samples = signature_lib.sample_inputs(signature, fill=1)
    dynamic_axes = {}
    for index, (name, positions) in enumerate(zip(names, dims)):
        if positions:
            dynamic_axes[name] = {p: ("batch" if p == 0 else f"dim_{index}_{p}") for p in positions}
    export_kwargs = {"dynamo": False, "input_names": names, "verbose": verbose, "export_params": True,
                     "do_constant_folding": True}
    if opset_version is not None:
        export_kwargs["opset_version"] = opset_version
    if dynamic_axes:
        export_kwargs["dynamic_axes"] = dynamic_axes
    with inference_mode(model), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(FlatInputs(model, samples), tuple(tree.flatten(list(samples))), filepath,
                          **export_kwargs)


def _can_optimize():
    """onnxscript's optimizer reads weights with `tensor.numpy(force=True)`; a `keras.Variable` must accept
    that keyword for the optimization pass to run (otherwise the graph is saved unoptimized)."""
    from torchkeras.backend.variables import Variable

    try:
        return "force" in inspect.signature(Variable.numpy).parameters
    except (TypeError, ValueError):
        return False


def _dynamic_specs(dims):
    specs = []
    for index, positions in enumerate(dims):
        specs.append({p: torch.export.Dim("batch" if p == 0 else f"dim_{index}_{p}") for p in positions}
                     if positions else None)
    return specs
