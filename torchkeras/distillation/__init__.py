"""`keras.distillation`: knowledge distillation: a `Distiller` model trains a student against a frozen teacher
with distillation losses (`LogitsDistillation`, `FeatureDistillation`, or a custom `DistillationLoss`)."""
from torchkeras.api_export import namespace as _namespace

__getattr__, __dir__, __all__ = _namespace(__name__)
