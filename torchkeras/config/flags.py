"""Process-wide switches of `keras.config` that are not numeric settings.

- traceback filtering (on by default): whether Keras-style errors hide torchkeras's internal frames;
- interactive logging (on by default): progress bars and summaries print to stdout; off, they go to the
  `logging` module;
- flash attention: None (automatic), True or False;
- debugging caps on `fit`: `max_epochs` / `max_steps_per_epoch` (also from `KERAS_MAX_EPOCHS` /
  `KERAS_MAX_STEPS_PER_EPOCH`).
"""
import os

from torchkeras.api_export import keras_export

_state = {
    "traceback_filtering": True,
    "interactive_logging": True,
    "flash_attention": None,
    "max_epochs": int(os.environ["KERAS_MAX_EPOCHS"]) if os.environ.get("KERAS_MAX_EPOCHS") else None,
    "max_steps_per_epoch": (
        int(os.environ["KERAS_MAX_STEPS_PER_EPOCH"]) if os.environ.get("KERAS_MAX_STEPS_PER_EPOCH") else None
    ),
}


@keras_export("keras.config.enable_traceback_filtering", "keras.utils.traceback_utils.enable_traceback_filtering")
def enable_traceback_filtering():
    """Hide torchkeras's internal frames from the tracebacks of errors it raises (the default)."""
    _state["traceback_filtering"] = True


@keras_export("keras.config.disable_traceback_filtering",
              "keras.utils.traceback_utils.disable_traceback_filtering")
def disable_traceback_filtering():
    """Show full tracebacks, internal frames included (useful when debugging torchkeras itself)."""
    _state["traceback_filtering"] = False


@keras_export("keras.config.is_traceback_filtering_enabled",
              "keras.utils.traceback_utils.is_traceback_filtering_enabled")
def is_traceback_filtering_enabled():
    """Whether tracebacks are filtered (see `enable_traceback_filtering`)."""
    return _state["traceback_filtering"]


@keras_export("keras.config.enable_interactive_logging", "keras.utils.enable_interactive_logging")
def enable_interactive_logging():
    """Print logs (progress bars, summaries) to stdout: best in a shell or a notebook (the default)."""
    _state["interactive_logging"] = True


@keras_export("keras.config.disable_interactive_logging", "keras.utils.disable_interactive_logging")
def disable_interactive_logging():
    """Send logs to the `logging` module instead of stdout: best for jobs running on a server."""
    _state["interactive_logging"] = False


@keras_export("keras.config.is_interactive_logging_enabled", "keras.utils.is_interactive_logging_enabled")
def is_interactive_logging_enabled():
    """Whether logs go to stdout (True) or to the `logging` module (False)."""
    return _state["interactive_logging"]


@keras_export("keras.config.enable_flash_attention")
def enable_flash_attention():
    """Ask attention layers to use a flash-attention kernel where torch provides one."""
    _state["flash_attention"] = True


@keras_export("keras.config.disable_flash_attention")
def disable_flash_attention():
    """Ask attention layers not to use flash attention."""
    _state["flash_attention"] = False


@keras_export("keras.config.is_flash_attention_enabled")
def is_flash_attention_enabled():
    """None (automatic, the default), True or False: see `enable_flash_attention`."""
    return _state["flash_attention"]


@keras_export("keras.config.set_max_epochs")
def set_max_epochs(max_epochs):
    """Cap the number of epochs of every `fit` call (for quick debugging runs); None removes the cap."""
    _state["max_epochs"] = max_epochs


@keras_export("keras.config.max_epochs")
def max_epochs():
    """The cap set by `set_max_epochs` (or `KERAS_MAX_EPOCHS`), or None."""
    return _state["max_epochs"]


@keras_export("keras.config.set_max_steps_per_epoch")
def set_max_steps_per_epoch(max_steps_per_epoch):
    """Cap the number of steps of every epoch (for quick debugging runs); None removes the cap."""
    _state["max_steps_per_epoch"] = max_steps_per_epoch


@keras_export("keras.config.max_steps_per_epoch")
def max_steps_per_epoch():
    """The cap set by `set_max_steps_per_epoch` (or `KERAS_MAX_STEPS_PER_EPOCH`), or None."""
    return _state["max_steps_per_epoch"]


@keras_export("keras.config.is_nnx_enabled")
def is_nnx_enabled():
    """Flax NNX integration is a JAX-backend feature: always False here."""
    return False


@keras_export("keras.config.set_backend")
def set_backend(backend):
    """torchkeras runs on PyTorch only: `"torch"` is accepted (and changes nothing), anything else raises."""
    if backend != "torch":
        raise ValueError(
            f"torchkeras only runs on the 'torch' backend. Received: backend={backend}. "
            "Use real Keras for the JAX, TensorFlow or NumPy backends."
        )
