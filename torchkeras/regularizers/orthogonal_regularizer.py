"""`OrthogonalRegularizer`: pushes the rows (or columns) of a 2D weight towards orthogonality."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.regularizers.norm_penalties import float32_rounded
from torchkeras.regularizers.regularizer import Regularizer
from torchkeras.regularizers.regularizer import validate_float_arg


@keras_export("keras.regularizers.OrthogonalRegularizer", "keras.regularizers.orthogonal_regularizer")
class OrthogonalRegularizer(Regularizer):
    """`factor * 0.5 * mean |<v_i, v_j>|` over pairs `i < j` of L2-normalized rows (`mode="rows"`) or
    columns (`mode="columns"`) of a rank-2 input; 0 when they are orthogonal."""

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = float32_rounded(validate_float_arg(factor, name="factor"))
        if mode not in {"rows", "columns"}:
            raise ValueError(
                f'Invalid value for argument `mode`. Expected one of {{"rows", "columns"}}. Received: mode={mode}'
            )
        self.mode = mode

    def __call__(self, inputs):
        from torchkeras.utils.numerical_utils import normalize

        if inputs.dim() != 2:
            raise ValueError(
                f"Inputs to OrthogonalRegularizer must have rank 2. Received: inputs.shape={tuple(inputs.shape)}"
            )
        if self.mode == "rows":
            vectors = normalize(inputs, axis=1)
            product = vectors @ vectors.T
            size = inputs.shape[0]
        else:
            vectors = normalize(inputs, axis=0)
            product = vectors.T @ vectors
            size = inputs.shape[1]
        off_diagonal = product * (1.0 - torch.eye(size, dtype=inputs.dtype, device=inputs.device))
        num_pairs = size * (size - 1.0) / 2.0
        return self.factor * 0.5 * torch.sum(torch.abs(off_diagonal)) / num_pairs

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}
