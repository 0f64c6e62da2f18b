"""String inputs for the text layers. torch has no string tensors, so strings travel as NumPy arrays (of
`str` or `object`), lists of `str`, or `bytes`; these helpers turn them into NumPy object arrays of `str`."""
import numpy as np
import torch

from torchkeras.backend.keras_tensor import KerasTensor


def is_string_input(x):
    """Whether `x` holds strings (a str/bytes, a NumPy string/object array, or a (nested) list of str)."""
    if isinstance(x, (str, bytes)):
        return True
    if isinstance(x, (torch.Tensor, KerasTensor)):
        return False
    if isinstance(x, np.ndarray):
        if x.dtype.kind in ("U", "S"):
            return True
        return x.dtype == object and x.size > 0 and isinstance(x.reshape(-1)[0], (str, bytes))
    if isinstance(x, (list, tuple)):
        while isinstance(x, (list, tuple)) and x:
            x = x[0]
        return isinstance(x, (str, bytes, np.str_, np.bytes_))
    return False


def to_string_array(x, encoding="utf-8"):
    """A NumPy object array of `str` with the shape of `x` (bytes are decoded with `encoding`)."""
    if isinstance(x, (str, bytes)):
        x = [x]
        scalar = True
    else:
        scalar = False
    array = np.asarray(x)
    if array.dtype.kind == "S":
        array = np.char.decode(array, encoding)
    array = array.astype(object)
    flat = array.reshape(-1)
    for i, value in enumerate(flat):
        if isinstance(value, bytes):
            flat[i] = value.decode(encoding)
        elif not isinstance(value, str):
            flat[i] = str(value)
    array = flat.reshape(array.shape)
    return array.reshape(()) if scalar else array
