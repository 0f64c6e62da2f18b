"""`compile(jit_compile=True)`: the step functions (`train_step`, `test_step`, `predict_step` inside
`train_function`, ...) run through `torch.compile`, falling back to eager.

The public hooks are what gets compiled, so a user's override is compiled too. The default `train_step` is
written so that dynamo captures the whole step in one graph: the forward pass, the loss, the gradients
(`torch.autograd.grad`, traced with `trace_autograd_ops`), the optimizer's update and the metric updates. The
update reads the step counter and the learning-rate variable as tensors, so a new learning rate never
recompiles, and a schedule's value is computed on the host before each step and read from a tensor. Updates
that the host drives (gradient accumulation, EMA, dynamic loss scaling, a custom `update_step`) run eagerly
between two graphs (`Optimizer._update_traces_in_graph`).
Compiling happens once per input signature: a second batch size (the last partial batch of an epoch) makes
the batch dimension dynamic, so there is one recompile at most. Each model's step has its own code object,
hence its own dynamo cache: a process may compile any number of models.

On CUDA the compiled graphs also run as CUDA graphs (`mode="reduce-overhead"`) where torch can, which takes
the kernel launch cost off small models. `TORCHKERAS_JIT_BACKEND` picks another torch.compile backend (the tests
use `aot_eager`, which captures the same graphs without inductor's code generation).

If torch cannot compile a step (an unsupported op, a platform without a compiler), training continues
eagerly after one warning that says why.
"""
import os
import types
import warnings

import torch


def compile_step(model, fn, kind="train"):
    """`fn(data)` compiled with `torch.compile`, falling back (once, with a warning) to `fn` itself."""
    options = {"dynamic": None}
    backend = os.environ.get("TORCHKERAS_JIT_BACKEND")
    if backend:
        options["backend"] = backend
    elif _on_cuda(model):
        options["mode"] = "reduce-overhead"
    compiled = torch.compile(_with_own_code(fn), **options)
    state = {"failed": False}

    config = torch._dynamo.config
    optimizer = getattr(model, "optimizer", None) if kind == "train" else None
    feed = optimizer._feed_compiled_step if getattr(optimizer, "_update_traces", False) else None

    def step(data):
        if state["failed"]:
            return fn(data)
        # dynamo traces `torch.autograd.grad` only with this flag; it is set around our calls alone (by hand:
        # `config.patch` costs more than a small step).
        previous = config.trace_autograd_ops
        config.trace_autograd_ops = True
        if feed is not None:
            feed(True)
        try:
            return compiled(data)
        except Exception as e:  # noqa: BLE001 - fall back once, loudly
            state["failed"] = True
            message = str(e).strip().splitlines()[0] if str(e).strip() else ""
            warnings.warn(
                f"`jit_compile=True`: torch.compile could not compile the {kind} step of model '{model.name}' "
                f"({type(e).__name__}: {message}). Falling back to eager execution.",
                stacklevel=2,
            )
            for p in model.parameters():
                p.grad = None
            return fn(data)
        finally:
            config.trace_autograd_ops = previous
            if feed is not None:
                feed(False)

    step.compiled = compiled
    return step


def _with_own_code(fn):
    """A copy of `fn` with a code object of its own. torch.compile keeps its compiled graphs per code object,
    and the step functions of every model share one: from the ninth model of a process on (dynamo's
    `recompile_limit`), every compiled step would silently run eagerly."""
    own = types.FunctionType(fn.__code__.replace(), fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__)
    own.__kwdefaults__ = fn.__kwdefaults__
    own.__qualname__ = fn.__qualname__
    return own


def _on_cuda(model):
    for p in model.parameters():
        return p.device.type == "cuda"
    return False
