"""Keras 2's `keras.utils.data_utils` module path: `Sequence`, `get_file`, `validate_file`."""
from torchkeras.utils.file_utils import get_file  # noqa: F401
from torchkeras.utils.file_utils import validate_file  # noqa: F401
from torchkeras.utils.py_dataset import PyDataset  # noqa: F401
from torchkeras.utils.py_dataset import PyDataset as Sequence  # noqa: F401
