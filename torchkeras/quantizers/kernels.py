"""torch kernels behind quantized layers: int8 GEMM (`torch._int_mm`), float8 GEMM (`torch._scaled_mm` on
CUDA), and a custom input gradient for layers whose weights autograd cannot differentiate.

The numbers are Keras's: an int8 x int8 product accumulates exactly in int32 (as Keras computes it), then the
caller de-scales in floating point.
"""
import torch


def int8_matmul(a, b):
    """`a @ b` for int8 `a` (..., K) and int8 `b` (K, N), accumulated exactly: an int32 tensor (..., N).

    CPU: `torch._int_mm` (oneDNN's int8 GEMM), any shape. CUDA: `torch._int_mm` where cuBLASLt takes the shape
    (M > 16, K >= 16, K and N multiples of 8), else a floating-point GEMM of the integer values, as Keras's torch
    backend does there.
    """
    lead = tuple(a.shape[:-1])
    a2 = a.reshape(-1, a.shape[-1])
    out = None
    if a2.device.type == "cpu" or _cuda_int_mm_shape(a2, b):
        try:
            out = torch._int_mm(a2, b)
        except RuntimeError:
            out = None
    if out is None:
        if a2.device.type == "cpu":
            out = torch.matmul(a2.to(torch.int32), b.to(torch.int32))
        else:
            out = torch.matmul(a2.to(torch.float32), b.to(torch.float32)).to(torch.int32)
    return out.reshape(lead + (b.shape[-1],))


def _cuda_int_mm_shape(a, b):
    m, k = a.shape
    n = b.shape[1]
    return m > 16 and k >= 16 and k % 8 == 0 and b.shape[0] % 8 == 0 and n % 8 == 0


def int8_einsum(equation, a, b):
    """`einsum(equation, a, b)` of two int8 tensors as int32 (exact on CPU; in float32 on CUDA, like Keras)."""
    if a.device.type == "cpu":
        return torch.einsum(equation, a.to(torch.int32), b.to(torch.int32))
    return torch.einsum(equation, a.to(torch.float32), b.to(torch.float32)).to(torch.int32)


# Devices where float8 inference runs `torch._scaled_mm` (CPU has one too, but emulated: far slower than a float
# GEMM of the dequantized operands).
FLOAT8_GEMM_DEVICES = ("cuda",)


def scaled_mm_float8(a8, b8, scale_a, scale_b, out_dtype):
    """`(a8 @ b8) * scale_a * scale_b` with `torch._scaled_mm`, for float8_e4m3fn `a8` (M, K) and `b8` (K, N), on a
    device in `FLOAT8_GEMM_DEVICES` (CUDA: compute capability 8.9+, sizes multiples of 16); None where it does not
    apply (then the caller multiplies the dequantized operands)."""
    if a8.device.type not in FLOAT8_GEMM_DEVICES or a8.dim() != 2:
        return None
    if a8.device.type == "cuda":
        if torch.cuda.get_device_capability(a8.device) < (8, 9):
            return None
        if a8.shape[0] % 16 or a8.shape[1] % 16 or b8.shape[1] % 16:
            return None
    try:
        return torch._scaled_mm(a8, b8.t().contiguous().t(), scale_a=scale_a.float().reshape(()),
                                scale_b=scale_b.float().reshape(()), out_dtype=out_dtype)
    except (RuntimeError, TypeError):
        return None


class _CustomInputGradient(torch.autograd.Function):
    """`forward_fn(inputs)` whose input gradient is `input_grad_fn(upstream)`: the weights it reads (integer or
    packed) get no gradient."""

    @staticmethod
    def forward(ctx, inputs, forward_fn, input_grad_fn):
        ctx.input_grad_fn = input_grad_fn
        return forward_fn(inputs)

    @staticmethod
    def backward(ctx, upstream):
        return ctx.input_grad_fn(upstream), None, None


def with_input_gradient(inputs, forward_fn, input_grad_fn):
    """`forward_fn(inputs)`, differentiable in `inputs` through `input_grad_fn` (Keras's custom gradient of
    quantized matmuls: the upstream gradient times the dequantized kernel, transposed)."""
    if not (torch.is_grad_enabled() and inputs.requires_grad):
        return forward_fn(inputs)
    return _CustomInputGradient.apply(inputs, forward_fn, input_grad_fn)
