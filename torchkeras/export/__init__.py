"""`keras.export`: export models for inference (`torch.export` programs and ONNX graphs)."""
from torchkeras.export.export_archive import ExportArchive
from torchkeras.export.export_archive import load_export_archive
from torchkeras.export.export_model import export_model
from torchkeras.export.onnx_format import export_onnx
from torchkeras.export.onnx_format import onnx_available
from torchkeras.export.torch_format import export_torch

__all__ = ["export_model", "export_onnx", "export_torch", "onnx_available"]
__all__ += ["ExportArchive", "load_export_archive"]
