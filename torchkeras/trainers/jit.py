"""`compile(jit_compile=True)`: run the training step through `torch.compile`, falling back to eager.

If torch cannot compile the step (an unsupported op, a platform without a compiler), training continues
eagerly after one warning that says why.
"""
import warnings

import torch


def compile_step(model, fn):
    compiled = torch.compile(fn, dynamic=None)
    state = {"fn": compiled, "failed": False}

    def step(*args, **kwargs):
        if state["failed"]:
            return fn(*args, **kwargs)
        try:
            return state["fn"](*args, **kwargs)
        except Exception as e:  # noqa: BLE001 - fall back once, loudly
            state["failed"] = True
            warnings.warn(
                f"`jit_compile=True`: torch.compile could not compile the step of model '{model.name}' "
                f"({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}). Falling back to eager "
                "execution.",
                stacklevel=2,
            )
            for p in model.parameters():
                p.grad = None
            return fn(*args, **kwargs)

    return step
