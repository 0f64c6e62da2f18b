"""`model.export(filepath, format=...)`: the export formats Keras 3 has on the torch backend."""
from torchkeras.export.onnx_format import export_onnx
from torchkeras.export.torch_format import export_torch

_KERAS_FORMATS = ("tf_saved_model", "onnx", "openvino", "litert", "torch")


def export_model(model, filepath, format="tf_saved_model", verbose=None, input_signature=None, **kwargs):
    """Export `model` for inference: `format="torch"` (alias `"pt2"`, a `torch.export` program in a `.pt2`
    file) or `format="onnx"`. Keras's TensorFlow-based formats are not available on PyTorch."""
    if format == "pt2":
        format = "torch"
    if format not in _KERAS_FORMATS:
        raise ValueError(f"Unrecognized format={format}. Supported formats are: {list(_KERAS_FORMATS)}.")
    if format == "tf_saved_model":
        raise ValueError(
            'format="tf_saved_model" exports a TensorFlow SavedModel, which needs TensorFlow: torchkeras runs on '
            'PyTorch. Use `model.export(path, format="torch")` (a torch.export `.pt2` program) or '
            '`model.export(path, format="onnx")`.'
        )
    if format in ("openvino", "litert"):
        raise ValueError(
            f'format="{format}" is not supported by torchkeras. Export with format="onnx" and convert the ONNX '
            'file with the OpenVINO or LiteRT tools, or use format="torch".'
        )
    if format == "torch":
        return export_torch(model, filepath, input_signature=input_signature, verbose=verbose, **kwargs)
    return export_onnx(model, filepath, verbose=verbose, input_signature=input_signature, **kwargs)
