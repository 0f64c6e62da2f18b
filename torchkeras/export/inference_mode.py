"""Run a model in inference mode for tracing: `eval()` during the block, the previous mode restored after."""
import contextlib


@contextlib.contextmanager
def inference_mode(model):
    was_training = bool(getattr(model, "training", False))
    if hasattr(model, "eval"):
        model.eval()
    try:
        yield model
    finally:
        if hasattr(model, "train"):
            model.train(was_training)
