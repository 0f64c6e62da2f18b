"""`keras.export`: export models for inference (`ExportArchive`, `torch.export` programs and ONNX graphs).

`export_model`, `export_torch`, `export_onnx`, `onnx_available` and `load_export_archive` are torchkeras's own;
Keras's public names resolve on first use from the public table.
"""
from torchkeras.api_export import namespace as _namespace
from torchkeras.export.export_archive import load_export_archive
from torchkeras.export.export_model import export_model
from torchkeras.export.onnx_format import export_onnx
from torchkeras.export.onnx_format import onnx_available
from torchkeras.export.torch_format import export_torch

__getattr__, __dir__, __all__ = _namespace(
    __name__, extra=("export_model", "export_onnx", "export_torch", "load_export_archive", "onnx_available")
)
