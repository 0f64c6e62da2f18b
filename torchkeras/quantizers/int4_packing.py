"""int4 packing: two signed 4-bit values per int8 byte (`pack_int4`, `unpack_int4`)."""
import numpy as np
import torch

from torchkeras.api_export import keras_export
from torchkeras.quantizers import tensors


@keras_export("keras.quantizers.pack_int4")
def pack_int4(arr, axis=0, dtype="int8"):
    """Pack int4 values (an `int8`/`uint8` tensor in `[-8, 7]`) two per byte along `axis`.

    Element `2i` goes in the low nibble of byte `i`, element `2i + 1` in the high nibble; an odd length is
    padded with a zero. Returns `(packed, packed_shape, original_length)`.
    """
    if dtype not in ("int8", "uint8"):
        raise ValueError(f"Expected dtype to be 'int8' or 'uint8', but got '{dtype}'.")
    got = tensors.dtype_name(arr) if hasattr(arr, "dtype") else None
    if got != dtype:
        raise TypeError(f"Expected {dtype} tensor for packing, got {got}.")
    values = np.moveaxis(tensors.to_numpy(arr), axis, 0)
    n = values.shape[0]
    if n % 2:
        values = np.concatenate([values, np.zeros((1,) + values.shape[1:], dtype=values.dtype)], axis=0)
    np_dtype = np.dtype(dtype)
    low = np.bitwise_and(values[0::2].astype(np_dtype), np_dtype.type(0x0F))
    high = np.bitwise_and(values[1::2].astype(np_dtype), np_dtype.type(0x0F))
    packed = np.bitwise_or(low, np.left_shift(high, np_dtype.type(4))).astype(np_dtype)
    packed = np.ascontiguousarray(np.moveaxis(packed, 0, axis))
    return torch.from_numpy(packed), tuple(packed.shape), n


@keras_export("keras.quantizers.unpack_int4")
def unpack_int4(packed, orig_len, axis=0, dtype="int8"):
    """Undo `pack_int4`: the int4 values (sign-extended to `[-8, 7]` when `dtype="int8"`, else `[0, 15]`) with
    the packing padding removed."""
    if dtype not in ("int8", "uint8"):
        raise ValueError(f"Expected dtype to be 'int8' or 'uint8', but got '{dtype}'.")
    packed = tensors.to_tensor(packed)
    if packed.dtype not in (torch.int8, torch.uint8):
        raise TypeError(f"Expected int8 or uint8 tensor for unpacking, got {packed.dtype}")
    axis = axis % packed.dim()
    out_dtype = tensors.torch_dtype(dtype)
    if dtype == "int8" and packed.dtype == torch.int8:
        # Arithmetic shifts sign-extend each nibble directly.
        low, high = (packed << 4) >> 4, packed >> 4
    else:
        low, high = packed & 0x0F, (packed >> 4) & 0x0F
        if dtype == "int8":
            low, high = (low ^ 8) - 8, (high ^ 8) - 8
    both = torch.stack([low.to(out_dtype), high.to(out_dtype)], dim=axis + 1)
    shape = list(packed.shape)
    shape[axis] *= 2
    return both.reshape(shape).narrow(axis, 0, orig_len)
