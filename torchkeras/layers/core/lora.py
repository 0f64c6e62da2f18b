"""LoRA (low-rank adaptation), as Keras's Dense, EinsumDense, Embedding and Conv layers do it: the weight is
frozen and `(lora_alpha / lora_rank) * a @ b` is learned in its place (`a` with `he_uniform`, `b` with zeros, so
training starts from the original weight)."""
import torch

from torchkeras import initializers


def check_can_enable(layer, constraint, what="kernel"):
    """Keras's errors for `enable_lora` on a layer with a weight constraint, not built, or already adapted."""
    if constraint:
        noun = "embedding" if what == "embeddings" else what
        raise ValueError(f"Lora is incompatible with {noun} constraints. In order to enable lora on this layer, "
                         f"remove the `{what}_constraint` argument.")
    if not layer.built:
        raise ValueError("Cannot enable lora on a layer that isn't yet built.")
    if layer.lora_enabled:
        raise ValueError("lora is already enabled. This can only be done once per layer.")


def add_weights(layer, names, a_shape, b_shape, a_initializer, b_initializer, regularizer):
    """Create the two float32 LoRA weights `names[0]` (shape `a_shape`) and `names[1]` (`b_shape`)."""
    with layer._variable_scope():
        a = layer.add_weight(name=names[0], shape=a_shape, initializer=initializers.get(a_initializer),
                             dtype="float32", regularizer=regularizer)
        b = layer.add_weight(name=names[1], shape=b_shape, initializer=initializers.get(b_initializer),
                             dtype="float32", regularizer=regularizer)
    return a, b


def freeze(layer, variable, rank, lora_alpha):
    """Freeze the adapted weight and record `lora_rank` / `lora_alpha` (alpha defaults to the rank)."""
    from torchkeras.layers.layer import bump_structure_version

    variable.trainable = False
    layer.lora_enabled = True
    layer.lora_rank = rank
    layer.lora_alpha = lora_alpha if lora_alpha is not None else rank
    bump_structure_version()


def delta(layer, a, b):
    """`(lora_alpha / lora_rank) * a @ b` (`a` of any rank: its last axis meets `b`'s first)."""
    return (layer.lora_alpha / layer.lora_rank) * torch.matmul(a, b)


def merged(layer, weight, a, b):
    """The adapted weight: `weight + delta`, in the weight's dtype."""
    return weight + delta(layer, a, b).to(weight.dtype)


def reset(a, b):
    """Zero the LoRA weights (after loading a file whose weight already has the update merged in)."""
    with torch.no_grad():
        a.zero_()
        b.zero_()
