"""Keras's math for the hand-written torch loops of the benchmarks (so every loop does what `fit` does)."""
import math


def keras_adam_step(opt, t, scaler=None):
    """`torch.optim.Adam.step()` made exactly Keras's Adam (through `scaler.step` with float16 loss scaling).

    torch adds eps to sqrt(v_hat); Keras adds it to sqrt(v). Scaling eps per step makes them equal.
    """
    for group in opt.param_groups:
        group["eps"] = 1e-7 / math.sqrt(1 - 0.999 ** t)
    if scaler is None:
        opt.step()
    else:
        scaler.step(opt)
        scaler.update()


def cce(y, p):
    """Keras's categorical crossentropy on probabilities: renormalize, clip, mean over the batch."""
    p = p / p.sum(dim=-1, keepdim=True)
    p = p.clamp(1e-7, 1 - 1e-7)
    return -(y * p.log()).sum(dim=-1).mean()
