"""`keras.ops.math`: segment reductions, top-k, log-sum-exp, FFTs and STFT, special functions."""
import torch
import torch.nn.functional as F

from torchkeras.api_export import keras_export
from torchkeras.ops.arguments import as_float as _float
from torchkeras.ops.arguments import as_tensor as _t
from torchkeras.ops.arguments import low_precision_in_float32
from torchkeras.ops.core import _as_tensor
from torchkeras.ops.core import tensors
from torchkeras.ops.operation import keras_op

_MATH = "keras.src.ops.math"


def _export(name):
    return keras_export(f"keras.ops.{name}", f"keras.ops.math.{name}")


# --------------------------------------------------------------------------------------------------------
# Segment reductions
# --------------------------------------------------------------------------------------------------------
def _segment(data, segment_ids, num_segments, reduce):
    data, segment_ids = tensors(data, segment_ids)
    ids = segment_ids.to(torch.int64).reshape(-1)
    if ids.shape[0] != data.shape[0]:
        raise ValueError(
            "`segment_ids` must have one entry per row of `data`. "
            f"Received: data.shape={tuple(data.shape)}, segment_ids.shape={tuple(segment_ids.shape)}"
        )
    n = int(num_segments) if num_segments is not None else int(ids.max()) + 1 if ids.numel() else 0
    # Out-of-range ids (negative or >= num_segments) go to a spare row that is dropped.
    ids = torch.where((ids >= 0) & (ids < n), ids, torch.full_like(ids, n))
    rest = tuple(data.shape[1:])
    compute = data if data.is_floating_point() else data.to(torch.float32)
    init = {"sum": 0.0, "amax": float("-inf"), "amin": float("inf"), "prod": 1.0}[reduce]
    out = torch.full((n + 1,) + rest, init, dtype=compute.dtype, device=data.device)
    index = ids.reshape((-1,) + (1,) * len(rest)).expand_as(compute)
    out = out.scatter_reduce(0, index, compute, reduce=reduce, include_self=True)
    return out[:n].to(data.dtype)


@_export("segment_sum")
@keras_op("SegmentSum", module=_MATH)
def segment_sum(data, segment_ids, num_segments=None, sorted=False):
    """Sum of the rows of `data` in each segment given by `segment_ids`."""
    return _segment(data, segment_ids, num_segments, "sum")


@_export("segment_max")
@keras_op("SegmentMax", module=_MATH)
def segment_max(data, segment_ids, num_segments=None, sorted=False):
    """Maximum of the rows of `data` in each segment (-inf for empty segments of float data)."""
    return _segment(data, segment_ids, num_segments, "amax")


@_export("segment_min")
@keras_op("SegmentMin", module=_MATH)
def segment_min(data, segment_ids, num_segments=None, sorted=False):
    """Minimum of the rows of `data` in each segment (inf for empty segments of float data)."""
    return _segment(data, segment_ids, num_segments, "amin")


@_export("segment_prod")
@keras_op("SegmentProd", module=_MATH)
def segment_prod(data, segment_ids, num_segments=None, sorted=False):
    """Product of the rows of `data` in each segment."""
    return _segment(data, segment_ids, num_segments, "prod")


# --------------------------------------------------------------------------------------------------------
# Top-k and reductions
# --------------------------------------------------------------------------------------------------------
@_export("top_k")
@keras_op("TopK", module=_MATH)
def top_k(x, k, sorted=True):
    """The `k` largest values along the last axis and their indices: `(values, indices)`."""
    x = _t(x)
    # Indices are torch's int64, as Keras's torch backend returns them.
    return tuple(torch.topk(x, int(k), dim=-1, largest=True, sorted=sorted))


@_export("in_top_k")
@keras_op("InTopK", module=_MATH)
def in_top_k(targets, predictions, k):
    """Whether each `targets[i]` is among the top `k` of `predictions[i]` (ties count as in)."""
    targets, predictions = tensors(targets, predictions)
    targets = targets.to(torch.int64).reshape(-1, 1)
    kth = torch.topk(predictions, int(k), dim=-1).values[..., -1:]
    target_values = torch.take_along_dim(predictions, targets, dim=-1)
    return (target_values >= kth).reshape(-1)


@_export("logsumexp")
@keras_op("Logsumexp", module=_MATH)
def logsumexp(x, axis=None, keepdims=False):
    """`log(sum(exp(x)))` over `axis`, computed stably."""
    x = _float(x)
    dims = tuple(range(x.dim())) if axis is None else axis
    return torch.logsumexp(x, dim=dims, keepdim=keepdims)


@_export("cdist")
@keras_op("CDist", module=_MATH)
def cdist(x, y):
    """Euclidean distances between the rows of `x` (`(..., m, d)`) and of `y` (`(..., n, d)`)."""
    x, y = tensors(x, y)
    if x.dim() < 2 or y.dim() < 2:
        raise ValueError("`cdist` inputs must have rank >= 2")
    if x.shape[-1] != y.shape[-1]:
        raise ValueError("Last dimension of inputs to `cdist` must match")
    diff = x.unsqueeze(-2) - y.unsqueeze(-3)
    return torch.sqrt(torch.sum(diff * diff, dim=-1))


@_export("extract_sequences")
@keras_op("ExtractSequences", module=_MATH)
def extract_sequences(x, sequence_length, sequence_stride):
    """Frames of length `sequence_length` taken every `sequence_stride` along the last axis."""
    x = _t(x)
    return x.unfold(-1, int(sequence_length), int(sequence_stride)).contiguous()


# --------------------------------------------------------------------------------------------------------
# Special functions
# --------------------------------------------------------------------------------------------------------
@_export("rsqrt")
@keras_op("Rsqrt", module=_MATH)
def rsqrt(x):
    """`1 / sqrt(x)`."""
    return torch.rsqrt(_float(x))


@_export("erf")
@keras_op("Erf", module=_MATH)
def erf(x):
    """The Gauss error function."""
    return torch.erf(_float(x))


@_export("erfc")
@keras_op("Erfc", module=_MATH)
def erfc(x):
    """The complementary error function `1 - erf(x)`."""
    return torch.erfc(_float(x))


@_export("erfinv")
@keras_op("Erfinv", module=_MATH)
def erfinv(x):
    """The inverse of the error function."""
    return torch.erfinv(_float(x))


@_export("logdet")
@keras_op("Logdet", module=_MATH)
@low_precision_in_float32
def logdet(x):
    """`log(det(x))` of (batches of) square matrices."""
    return torch.logdet(_float(x))


# --------------------------------------------------------------------------------------------------------
# Complex numbers and FFTs (complex values travel as `(real, imag)` pairs, as in Keras)
# --------------------------------------------------------------------------------------------------------
def _complex(x):
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError(
            f"Input `x` should be a tuple of two tensors - real and imaginary. Received: x={x}"
        )
    real, imag = tensors(*x)
    if tuple(real.shape) != tuple(imag.shape):
        raise ValueError(
            "Input `x` should be a tuple of two tensors - real and imaginary. Both the real and imaginary "
            f"parts should have the same shape. Received: x[0].shape = {tuple(real.shape)}, "
            f"x[1].shape = {tuple(imag.shape)}"
        )
    if not real.is_floating_point() or not imag.is_floating_point():
        raise ValueError(f"At least one tensor in input `x` is not of type float. Received: x={x}.")
    return torch.complex(real, imag)


@_export("view_as_complex")
@keras_op("ViewAsComplex", module=_MATH)
def view_as_complex(x):
    """A real tensor `(..., 2)` as complex64 numbers `(...)` (whatever the input dtype, as in Keras)."""
    x = _t(x)
    if x.dim() < 1 or x.shape[-1] != 2:
        raise ValueError(
            f"Last dimension of input must be size 2 (real and imaginary). Received shape: {tuple(x.shape)}")
    if x.dtype == torch.float32:
        return torch.view_as_complex(x.contiguous())
    return torch.complex(x[..., 0].to(torch.float32), x[..., 1].to(torch.float32))


@_export("view_as_real")
@keras_op("ViewAsReal", module=_MATH)
def view_as_real(x):
    """A complex tensor `(...)` viewed as real numbers `(..., 2)`."""
    x = _t(x)
    if not x.is_complex():
        raise ValueError(f"Input must be a complex tensor. Received dtype: {x.dtype}")
    return torch.view_as_real(x)


@_export("fft")
@keras_op("FFT", module=_MATH)
@low_precision_in_float32
def fft(x):
    """FFT over the last axis of the complex `(real, imag)` input."""
    out = torch.fft.fft(_complex(x))
    return out.real, out.imag


@_export("fft2")
@keras_op("FFT2", module=_MATH)
@low_precision_in_float32
def fft2(x):
    """2-D FFT over the last two axes of the complex `(real, imag)` input."""
    out = torch.fft.fft2(_complex(x))
    return out.real, out.imag


@_export("ifft2")
@keras_op("IFFT2", module=_MATH)
@low_precision_in_float32
def ifft2(x):
    """Inverse 2-D FFT over the last two axes of the complex `(real, imag)` input."""
    out = torch.fft.ifft2(_complex(x))
    return out.real, out.imag


@_export("rfft")
@keras_op("RFFT", module=_MATH)
@low_precision_in_float32
def rfft(x, fft_length=None):
    """FFT of a real signal over its last axis: `(real, imag)` of the `fft_length // 2 + 1` bins."""
    out = torch.fft.rfft(_float(x), n=fft_length, dim=-1, norm="backward")
    return out.real, out.imag


@_export("irfft")
@keras_op("IRFFT", module=_MATH)
@low_precision_in_float32
def irfft(x, fft_length=None):
    """Inverse of `rfft`: a real signal of length `fft_length` from `(real, imag)` bins."""
    return torch.fft.irfft(_complex(x), n=fft_length, dim=-1, norm="backward")


def _window(window, length, dtype, device):
    if window is None:
        return torch.ones(length, dtype=dtype, device=device)
    if isinstance(window, str):
        if window == "hann":
            return torch.hann_window(length, periodic=True, dtype=dtype, device=device)
        if window == "hamming":
            return torch.hamming_window(length, periodic=True, dtype=dtype, device=device)
        raise ValueError(
            f'If a string is passed to `window`, it must be one of `"hann"`, `"hamming"`. Received: window={window}'
        )
    win = _as_tensor(window, dtype=dtype, device=device)
    if win.dim() != 1 or win.shape[-1] != length:
        raise ValueError(f"The shape of `window` must be equal to [sequence_length].Received: window shape={tuple(win.shape)}")
    return win


def _centered(win, fft_length):
    """The window zero-padded on both sides (the extra zero after) to `fft_length`."""
    left = (fft_length - win.shape[-1]) // 2
    return F.pad(win, (left, fft_length - win.shape[-1] - left))


@_export("stft")
@keras_op("STFT", module=_MATH)
def stft(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    """Short-time Fourier transform over the last axis: `(real, imag)` of shape `(..., frames, bins)`."""
    x = _t(x)
    if x.dtype not in (torch.float32, torch.float64):
        raise TypeError(f"Invalid input type. Expected `float32` or `float64`. Received: input type={x.dtype}")
    if fft_length < sequence_length:
        raise ValueError(
            "`fft_length` must equal or larger than `sequence_length`. "
            f"Received: sequence_length={sequence_length}, fft_length={fft_length}"
        )
    win = _window(window, sequence_length, x.dtype, x.device)
    if center:
        pad = fft_length // 2
        shape = x.shape
        flat = x.reshape(-1, 1, shape[-1])
        x = F.pad(flat, (pad, pad), mode="reflect").reshape(tuple(shape[:-1]) + (-1,))
    frames = x.unfold(-1, fft_length, sequence_stride)
    spec = torch.fft.rfft(frames * _centered(win, fft_length), n=fft_length, dim=-1)
    return spec.real, spec.imag


def _overlap_add(frames, stride):
    """Sum frames `(..., n, length)` placed every `stride` samples."""
    *batch, n, length = frames.shape
    flat = frames.reshape(-1, n, length).transpose(1, 2)
    total = (n - 1) * stride + length
    out = F.fold(flat, output_size=(1, total), kernel_size=(1, length), stride=(1, stride))
    return out.reshape(tuple(batch) + (total,))


@_export("istft")
@keras_op("ISTFT", module=_MATH)
@low_precision_in_float32
def istft(x, sequence_length, sequence_stride, fft_length, length=None, window="hann", center=True):
    """Inverse STFT from `(real, imag)` of shape `(..., frames, bins)` back to a real signal."""
    spec = _complex(x)
    dtype = spec.real.dtype
    frames = torch.fft.irfft(spec, n=fft_length, dim=-1)
    win = _window(window, sequence_length, dtype, frames.device) if window is not None else None
    if win is not None:
        win = _centered(win, fft_length)
        # Normalize by the overlap-added squared window (as Keras does).
        n_overlap = -(-fft_length // sequence_stride)
        sq = F.pad(win * win, (0, n_overlap * sequence_stride - fft_length))
        denom = sq.reshape(n_overlap, sequence_stride).sum(0, keepdim=True).repeat(n_overlap, 1).reshape(-1)
        frames = frames * (win / denom[:fft_length])
    signal = _overlap_add(frames, sequence_stride)
    start = fft_length // 2 if center else 0
    if length is not None:
        end = start + length
    elif center:
        end = signal.shape[-1] - fft_length // 2
    else:
        end = signal.shape[-1]
    out = signal[..., start:end]
    if length is not None and out.shape[-1] < length:
        out = F.pad(out, (0, length - out.shape[-1]))
    return out
