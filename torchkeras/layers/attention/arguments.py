"""Constructor arguments shared by `MultiHeadAttention` and `GroupedQueryAttention`: checks and settings."""
from torchkeras.config import flags


def check_sliding_window(sliding_window):
    if sliding_window is not None and (not isinstance(sliding_window, int) or sliding_window <= 0):
        raise ValueError(f"`sliding_window` must be `None` or a positive integer. Received: "
                         f"sliding_window={sliding_window}")
    return sliding_window


def flash_attention_setting(flash_attention, dropout):
    """`flash_attention`, or the global setting (`keras.config.enable_flash_attention`) when None; flash
    attention does not support dropout."""
    enabled = flash_attention if flash_attention is not None else flags.is_flash_attention_enabled()
    if enabled and dropout > 0.0:
        raise ValueError("Dropout is not supported when flash attention is enabled. Please set dropout to 0.0 "
                         "to use flash attention.")
    return enabled


def clone_initializer(initializer):
    """A copy of `initializer` for one projection sublayer (each sublayer gets its own, as in Keras)."""
    return type(initializer).from_config(initializer.get_config()) if hasattr(initializer, "get_config") \
        else initializer
