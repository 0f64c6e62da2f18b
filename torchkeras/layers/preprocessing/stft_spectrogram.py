"""`keras.layers.STFTSpectrogram`: spectrograms of 1D signals, computed as convolutions with STFT kernels."""
import math
import warnings

import torch

from torchkeras import initializers
from torchkeras.api_export import keras_export
from torchkeras.backend import config as backend_config
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer
from torchkeras.ops.nn import conv

_MODES = ["log", "magnitude", "psd", "real", "imag", "angle", "stft"]


@keras_export("keras.layers.STFTSpectrogram")
class STFTSpectrogram(Layer):
    """Short-Time Fourier Transform of each channel of a signal, as a convolution with (trainable) kernels.

    The real and imaginary kernels, of shape `(frame_length, 1, fft_length // 2 + 1)`, start as the
    windowed DFT matrix (`keras.initializers.STFT`); the same kernels are applied to each channel.

    Args:
        mode: `"log"` (default: log of the magnitude), `"magnitude"`, `"psd"` (power spectral density),
            `"real"`, `"imag"`, `"angle"` or `"stft"` (real and imaginary parts concatenated).
        frame_length: samples per frame; default 256.
        frame_step: hop between frames; default `frame_length // 2`.
        fft_length: FFT size (at least `frame_length`); default the next power of two of `frame_length`.
        window: `"hann"` (default), `"hamming"`, any SciPy window name, an array of `frame_length` values,
            or None.
        periodic: use a periodic window; default False.
        scaling: `"density"` (default), `"spectrum"` or None.
        padding: `"valid"` (default) or `"same"`.
        expand_dims: output one more axis so that channels stay separate (image-like output).
        data_format: `"channels_last"` (`(batch, time, channels)`) or `"channels_first"`.

    Output shape: `(batch, frames, channels * bins)` (channels_last), `(batch, channels * bins, frames)`
    (channels_first), or with `expand_dims` `(batch, frames, bins, channels)` /
    `(batch, channels, frames, bins)`; `bins` is `fft_length // 2 + 1` (twice that for `"stft"`).
    """

    def __init__(self, mode="log", frame_length=256, frame_step=None, fft_length=None, window="hann",
                 periodic=False, scaling="density", padding="valid", expand_dims=False, data_format=None,
                 **kwargs):
        if frame_step is not None and (frame_step > frame_length or frame_step < 1):
            raise ValueError(
                "`frame_step` should be a positive integer not greater than `frame_length`. "
                f"Received frame_step={frame_step}, frame_length={frame_length}"
            )
        if fft_length is not None and fft_length < frame_length:
            raise ValueError(
                "`fft_length` should be not less than `frame_length`. "
                f"Received fft_length={fft_length}, frame_length={frame_length}"
            )
        if fft_length is not None and (fft_length & -fft_length) != fft_length:
            warnings.warn(f"`fft_length` is recommended to be a power of two. Received fft_length={fft_length}",
                          stacklevel=2)
        if mode not in _MODES:
            raise ValueError(f"Output mode is invalid, it must be one of {', '.join(_MODES)}. Received: mode={mode}")
        if scaling is not None and scaling not in ["density", "spectrum"]:
            raise ValueError(
                f"Scaling is invalid, it must be `None`, 'density' or 'spectrum'. Received scaling={scaling}"
            )
        if padding not in ["valid", "same"]:
            raise ValueError(f"Padding is invalid, it should be 'valid', 'same'. Received: padding={padding}")
        if isinstance(window, str):
            initializers.STFT("real", window, scaling, periodic)  # an unknown window name fails here
        super().__init__(**kwargs)
        self.mode = mode
        self.frame_length = frame_length
        self.frame_step = frame_step
        self._frame_step = frame_step or frame_length // 2
        self.fft_length = fft_length
        self._fft_length = fft_length or 2 ** int(math.ceil(math.log2(frame_length)))
        self.window = window
        self.periodic = periodic
        self.scaling = scaling
        self.padding = padding
        self.expand_dims = expand_dims
        self.data_format = backend_config.standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=3)

    def build(self, input_shape):
        shape = (self.frame_length, 1, self._fft_length // 2 + 1)
        if self.mode != "imag":
            self.real_kernel = self.add_weight(
                name="real_kernel", shape=shape,
                initializer=initializers.STFT("real", self.window, self.scaling, self.periodic))
        if self.mode != "real":
            self.imag_kernel = self.add_weight(
                name="imag_kernel", shape=shape,
                initializer=initializers.STFT("imag", self.window, self.scaling, self.periodic))
        self.built = True

    def _apply_conv(self, inputs, kernel):
        """`(batch, channels, bins, frames)`: each channel convolved with `kernel` on its own."""
        if self.data_format == "channels_last":
            batch, length, channels = inputs.shape
            signals = inputs.transpose(1, 2).reshape(-1, 1, length)
        else:
            batch, channels, length = inputs.shape
            signals = inputs.reshape(-1, 1, length)
        outputs = conv(signals, kernel.to(inputs.dtype), strides=self._frame_step, padding=self.padding,
                       data_format="channels_first")
        return outputs.reshape(-1, channels, outputs.shape[1], outputs.shape[2])

    def _adjust_shapes(self, outputs):
        batch, channels, bins, frames = outputs.shape
        if self.data_format == "channels_last":
            if self.expand_dims:
                return outputs.permute(0, 3, 2, 1)
            return outputs.reshape(-1, channels * bins, frames).transpose(1, 2)
        if self.expand_dims:
            return outputs.transpose(2, 3)
        return outputs.reshape(-1, channels * bins, frames)

    def call(self, inputs):
        if inputs.dtype not in (torch.float16, torch.float32, torch.float64):
            raise TypeError(
                "Invalid input type. Expected `float16`, `float32` or `float64`. "
                f"Received: input type={str(inputs.dtype).replace('torch.', '')}"
            )
        real = self._apply_conv(inputs, self.real_kernel) if self.mode != "imag" else None
        imag = self._apply_conv(inputs, self.imag_kernel) if self.mode != "real" else None
        if self.mode == "real":
            return self._adjust_shapes(real)
        if self.mode == "imag":
            return self._adjust_shapes(imag)
        if self.mode == "angle":
            return self._adjust_shapes(torch.atan2(imag, real))
        if self.mode == "stft":
            return self._adjust_shapes(torch.cat([real, imag], dim=2))
        power = torch.square(real) + torch.square(imag)
        if self.mode == "psd":
            # One-sided PSD: every bin but DC and Nyquist counted twice.
            doubled = power.clone()
            doubled[:, :, 1:-1, :] += power[:, :, 1:-1, :]
            return self._adjust_shapes(doubled)
        epsilon = backend_config.epsilon()
        linear = self._adjust_shapes(torch.sqrt(torch.clamp(power, min=epsilon)))
        if self.mode == "magnitude":
            return linear
        return torch.log(torch.clamp(linear, min=epsilon))

    def compute_output_shape(self, input_shape):
        if self.data_format == "channels_last":
            batch, length, channels = input_shape
        else:
            batch, channels, length = input_shape
        bins = self._fft_length // 2 + 1
        if self.mode == "stft":
            bins *= 2
        if length is None:
            frames = None
        elif self.padding == "same":
            frames = -(-length // self._frame_step)
        else:
            frames = (length - self.frame_length) // self._frame_step + 1
        if self.expand_dims:
            if self.data_format == "channels_last":
                return (batch, frames, bins, channels)
            return (batch, channels, frames, bins)
        features = None if channels is None else channels * bins
        if self.data_format == "channels_last":
            return (batch, frames, features)
        return (batch, features, frames)

    def get_config(self):
        config = super().get_config()
        config.update({
            "mode": self.mode,
            "frame_length": self.frame_length,
            "frame_step": self.frame_step,
            "fft_length": self.fft_length,
            "window": self.window,
            "periodic": self.periodic,
            "scaling": self.scaling,
            "padding": self.padding,
            "data_format": self.data_format,
            "expand_dims": self.expand_dims,
        })
        return config
