"""The dtype a normalization layer returns."""
from torchkeras.backend import dtypes


def output_dtype(layer):
    """Keras computes normalizations in float32 (at least) and returns the layer's compute dtype. Under a mixed
    policy torchkeras runs layers in the variable dtype and leaves lower precision to `torch.autocast` (as the
    base Layer does for its inputs), so that dtype is returned then."""
    policy = layer.dtype_policy
    return dtypes.to_torch_dtype(policy.variable_dtype if getattr(policy, "is_mixed", False) else policy.compute_dtype)
