"""`keras.ops`: the tensor functions of Keras 3 (`keras.ops.add`, `keras.ops.nn.relu`, ...) on torch.

Submodules mirror Keras's namespaces: `ops.numpy`, `ops.nn`, `ops.linalg`, `ops.image` (and torchkeras's
`ops.math`, `ops.core`). Every op also works on symbolic `KerasTensor`s, recording a node for functional
models. Names resolve on first use.
"""
from torchkeras.api_export import namespace as _namespace

__getattr__, __dir__, __all__ = _namespace(__name__)
