"""`keras.layers.Masking`: masks the timesteps whose features all equal `mask_value`."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.layers.layer import Layer


@keras_export("keras.layers.Masking")
class Masking(Layer):
    """Masks a sequence by using a mask value to skip timesteps.

    A timestep whose features all equal `mask_value` is masked (its mask entry is False) in every downstream
    layer that supports masking (e.g. LSTM); its features are set to 0 in the output.
    """

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(mask_value, dict) and mask_value.get("config", None):
            from torchkeras.saving import serialization_lib

            mask_value = serialization_lib.deserialize_keras_object(mask_value)
        self.mask_value = mask_value
        self.supports_masking = True
        self.built = True

    def _keep(self, inputs):
        value = self.mask_value
        if isinstance(value, torch.Tensor):
            value = value.to(device=inputs.device, dtype=inputs.dtype)
        return torch.any(inputs != value, dim=-1, keepdim=True)

    def compute_mask(self, inputs, mask=None):
        return self._keep(inputs).squeeze(-1)

    def call(self, inputs):
        keep = self._keep(inputs)
        outputs = torch.where(keep, inputs, torch.zeros((), dtype=inputs.dtype, device=inputs.device))
        try:
            outputs._keras_mask = keep.squeeze(-1)
        except (AttributeError, RuntimeError):
            pass
        return outputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["mask_value"] = self.mask_value
        return config
