"""`keras.utils.pad_sequences`: pad (and truncate) a list of sequences to one length."""
import numpy as np

from torchkeras.api_export import keras_export


@keras_export("keras.utils.pad_sequences", "keras.preprocessing.sequence.pad_sequences")
def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre", value=0.0):
    """Pad sequences to the same length: a NumPy array of shape `(len(sequences), maxlen, ...)`.

    `maxlen` defaults to the longest sequence. Sequences longer than `maxlen` lose values at the start
    (`truncating="pre"`) or the end (`"post"`); shorter ones are filled with `value` before (`padding="pre"`)
    or after (`"post"`). For variable-length strings use `dtype=object`. Sequences may hold sub-arrays of
    one common shape (e.g. vectors per time step).
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError("`sequences` must be iterable.")
    lengths = []
    sample_shape = ()
    found_shape = False
    for x in sequences:
        try:
            lengths.append(len(x))
        except TypeError as e:
            raise ValueError(f"`sequences` must be a list of iterables. Found non-iterable: {x}") from e
        if not found_shape and len(x):
            sample_shape = np.asarray(x).shape[1:]
            found_shape = True
    if maxlen is None:
        maxlen = np.max(lengths)
    is_dtype_str = np.issubdtype(dtype, np.str_) or np.issubdtype(dtype, np.bytes_)
    if isinstance(value, str) and dtype is not object and not is_dtype_str:
        raise ValueError(
            f"`dtype` {dtype} is not compatible with `value`'s type: {type(value)}\n"
            "You should set `dtype=object` for variable length strings."
        )
    if truncating not in ("pre", "post") and any(lengths):
        raise ValueError(f'Truncating type "{truncating}" not understood')
    if padding not in ("pre", "post") and any(lengths):
        raise ValueError(f'Padding type "{padding}" not understood')
    out = np.full((len(sequences), maxlen) + sample_shape, value, dtype=dtype)
    for idx, seq in enumerate(sequences):
        if not len(seq):
            continue
        kept = seq[-maxlen:] if truncating == "pre" else seq[:maxlen]
        kept = np.asarray(kept, dtype=dtype)
        if kept.shape[1:] != sample_shape:
            raise ValueError(
                f"Shape of sample {kept.shape[1:]} of sequence at position {idx} is different from expected "
                f"shape {sample_shape}"
            )
        if padding == "post":
            out[idx, :len(kept)] = kept
        else:
            out[idx, -len(kept):] = kept
    return out
