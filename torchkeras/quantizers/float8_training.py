"""The float8 forward and backward of quantized layers (delayed scaling, as Keras does it).

Inputs and kernel are rounded to float8_e4m3fn with their current scales; the output gradient is rounded to
float8_e5m2. The "gradients" of the scale and amax-history variables are their new values: those variables have
`overwrite_with_gradient=True`, so the optimizer writes them in place.
"""
import torch

from torchkeras.quantizers.float8 import compute_float8_amax_history
from torchkeras.quantizers.float8 import compute_float8_scale
from torchkeras.quantizers.float8 import float8_max
from torchkeras.quantizers.float8 import quantize_and_dequantize

E4M3 = torch.float8_e4m3fn
E5M2 = torch.float8_e5m2


class _QDQForward(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, scale, amax_history, training, compute_dtype):
        if training:
            ctx.new_scale = compute_float8_scale(amax_history.max(), scale, float8_max(E4M3))
            ctx.new_history = compute_float8_amax_history(x, amax_history)
        else:
            ctx.new_scale = ctx.new_history = None
        return quantize_and_dequantize(x, scale, E4M3, compute_dtype)

    @staticmethod
    def backward(ctx, upstream):
        return upstream, ctx.new_scale, ctx.new_history, None, None


class _QDQBackward(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, scale, amax_history, compute_dtype):
        ctx.save_for_backward(scale, amax_history)
        ctx.compute_dtype = compute_dtype
        return x.view_as(x)

    @staticmethod
    def backward(ctx, upstream):
        scale, amax_history = ctx.saved_tensors
        new_scale = compute_float8_scale(amax_history.max(), scale, float8_max(E5M2))
        qdq = quantize_and_dequantize(upstream, scale, E5M2, ctx.compute_dtype)
        return qdq, new_scale, compute_float8_amax_history(upstream, amax_history), None


def quantize_dequantize_inputs(x, scale, amax_history, training, compute_dtype):
    """`x` rounded to float8_e4m3fn with `scale` (straight-through gradient); when training, the gradients of
    `scale` and `amax_history` are their delayed-scaling updates."""
    if not torch.is_grad_enabled():
        return quantize_and_dequantize(x, scale, E4M3, compute_dtype)
    return _QDQForward.apply(x, scale, amax_history, bool(training), compute_dtype)


def quantize_dequantize_output_grads(x, scale, amax_history, compute_dtype):
    """`x` unchanged; its gradient is rounded to float8_e5m2 with `scale`, and `scale`/`amax_history` get their
    updates as gradients."""
    if not torch.is_grad_enabled():
        return x
    return _QDQBackward.apply(x, scale, amax_history, compute_dtype)
