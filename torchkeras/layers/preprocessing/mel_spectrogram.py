"""`keras.layers.MelSpectrogram`: raw audio to (decibel) Mel spectrograms."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.backend.dtypes import to_torch_dtype
from torchkeras.layers.layer import Layer
from torchkeras.ops.math import stft

# HTK's Mel scale: mel(f) = 1127 * ln(1 + f / 700).
_MEL_BREAK_FREQUENCY_HERTZ = 700.0
_MEL_HIGH_FREQUENCY_Q = 1127.0


def _linspace(start, stop, num):
    """`num` points from `start` to `stop` (0-d tensors) as Keras's torch backend computes them:
    `start + arange(num) / (num - 1) * (stop - start)`, in the dtype of `start`."""
    steps = torch.arange(num, dtype=start.dtype) / (num - 1)
    return start + steps * (stop - start)


@keras_export("keras.layers.MelSpectrogram")
class MelSpectrogram(Layer):
    """Convert audio signals `(samples,)` or `(batch, samples)` to Mel spectrograms
    `(num_mel_bins, frames)` or `(batch, num_mel_bins, frames)`.

    The magnitude of a centered STFT (`keras.ops.stft`, reflect padding) is raised to `mag_exp`, projected
    onto `num_mel_bins` triangular HTK Mel filters spanning `[min_freq, max_freq]`, and, with `power_to_db`,
    converted to decibels relative to `ref_power`, floored at `min_power` and clipped to `top_db` below the
    largest value of the whole input (as Keras does, across the batch).

    Args:
        fft_length: FFT size; default 2048.
        sequence_stride: samples between frames; default 512.
        sequence_length: window length; default `fft_length`.
        window: `"hann"` (default), `"hamming"`, or None.
        sampling_rate: default 16000.
        num_mel_bins: default 128.
        min_freq: default 20.0. max_freq: default `sampling_rate / 2`.
        power_to_db: default True. top_db: default 80.0.
        mag_exp: 1 for magnitude, 2 (default) for power.
        min_power: default 1e-10. ref_power: default 1.0.
    """

    def __init__(self, fft_length=2048, sequence_stride=512, sequence_length=None, window="hann",
                 sampling_rate=16000, num_mel_bins=128, min_freq=20.0, max_freq=None, power_to_db=True,
                 top_db=80.0, mag_exp=2.0, min_power=1e-10, ref_power=1.0, **kwargs):
        self.fft_length = fft_length
        self.sequence_stride = sequence_stride
        self.sequence_length = sequence_length or fft_length
        if self.fft_length < self.sequence_length:
            raise ValueError(
                "`fft_length` must be greater than or equal to   `sequence_length`. Received: "
                f"`sequence_length`={self.sequence_length}, `fft_length`={self.fft_length}."
            )
        self.window = window
        self.sampling_rate = sampling_rate
        self.num_mel_bins = num_mel_bins
        self.min_freq = min_freq
        self.max_freq = max_freq or int(sampling_rate / 2)
        self.power_to_db = power_to_db
        self.top_db = top_db
        self.mag_exp = mag_exp
        self.min_power = min_power
        self.ref_power = ref_power
        super().__init__(**kwargs)
        self.built = True

    def call(self, inputs):
        compute = self.compute_dtype
        dtype = to_torch_dtype(compute if compute in ("float32", "float64") else "float32")
        if not isinstance(inputs, torch.Tensor):
            inputs = torch.as_tensor(inputs)
        inputs = inputs.to(dtype)
        real, imag = stft(inputs, sequence_length=self.sequence_length, sequence_stride=self.sequence_stride,
                          fft_length=self.fft_length, window=self.window, center=True)
        spectrogram = torch.pow(torch.sqrt(torch.square(real) + torch.square(imag)), self.mag_exp)
        matrix = self.linear_to_mel_weight_matrix(
            num_mel_bins=self.num_mel_bins, num_spectrogram_bins=spectrogram.shape[-1],
            sampling_rate=self.sampling_rate, lower_edge_hertz=self.min_freq, upper_edge_hertz=self.max_freq)
        matrix = matrix.to(spectrogram.device)
        outputs = torch.tensordot(spectrogram, matrix.to(torch.promote_types(matrix.dtype, spectrogram.dtype)),
                                  dims=1)
        if self.power_to_db:
            outputs = self._dbscale(outputs)
        return outputs.transpose(-1, -2).to(to_torch_dtype(compute))

    def _dbscale(self, inputs):
        log_spec = 10.0 * torch.log10(torch.clamp(inputs, min=self.min_power))
        ref = torch.abs(torch.as_tensor(self.ref_power, dtype=inputs.dtype, device=inputs.device))
        log_spec = log_spec - 10.0 * torch.log10(torch.clamp(ref, min=self.min_power))
        return torch.maximum(log_spec, torch.max(log_spec) - self.top_db)

    def _hertz_to_mel(self, frequencies_hertz):
        return _MEL_HIGH_FREQUENCY_Q * torch.log(1.0 + (frequencies_hertz / _MEL_BREAK_FREQUENCY_HERTZ))

    def linear_to_mel_weight_matrix(self, num_mel_bins=20, num_spectrogram_bins=129, sampling_rate=8000,
                                    lower_edge_hertz=125.0, upper_edge_hertz=3800.0, dtype="float32"):
        """The `(num_spectrogram_bins, num_mel_bins)` matrix that maps a linear-frequency spectrogram of bins
        spread over `[0, sampling_rate / 2]` onto triangular HTK Mel bands over
        `[lower_edge_hertz, upper_edge_hertz]` (peaks of 1.0; the DC bin gets no weight)."""
        dtype = to_torch_dtype(dtype)
        sampling_rate = torch.tensor(sampling_rate, dtype=dtype)
        lower_edge_hertz = torch.tensor(lower_edge_hertz, dtype=dtype)
        upper_edge_hertz = torch.tensor(upper_edge_hertz, dtype=dtype)
        nyquist_hertz = sampling_rate / 2.0
        linear_frequencies = _linspace(torch.tensor(0.0, dtype=dtype), nyquist_hertz, int(num_spectrogram_bins))[1:]
        spectrogram_bins_mel = self._hertz_to_mel(linear_frequencies).unsqueeze(1)
        edges = _linspace(self._hertz_to_mel(lower_edge_hertz), self._hertz_to_mel(upper_edge_hertz),
                          num_mel_bins + 2)
        bands = edges.unfold(0, 3, 1)
        lower_edge_mel, center_mel, upper_edge_mel = (bands[:, i].reshape(1, num_mel_bins) for i in range(3))
        lower_slopes = (spectrogram_bins_mel - lower_edge_mel) / (center_mel - lower_edge_mel)
        upper_slopes = (upper_edge_mel - spectrogram_bins_mel) / (upper_edge_mel - center_mel)
        weights = torch.clamp(torch.minimum(lower_slopes, upper_slopes), min=0.0)
        return torch.nn.functional.pad(weights, (0, 0, 1, 0))

    def compute_output_shape(self, input_shape):
        # Keras's formula (`(samples + stride + 1) // stride` frames).
        def frames(length):
            return (length + self.sequence_stride + 1) // self.sequence_stride if length is not None else None

        if len(input_shape) == 1:
            return (self.num_mel_bins, frames(input_shape[0]))
        return (input_shape[0], self.num_mel_bins, frames(input_shape[1]))

    def get_config(self):
        config = super().get_config()
        config.update({
            "fft_length": self.fft_length,
            "sequence_stride": self.sequence_stride,
            "sequence_length": self.sequence_length,
            "window": self.window,
            "sampling_rate": self.sampling_rate,
            "num_mel_bins": self.num_mel_bins,
            "min_freq": self.min_freq,
            "max_freq": self.max_freq,
            "power_to_db": self.power_to_db,
            "top_db": self.top_db,
            "mag_exp": self.mag_exp,
            "min_power": self.min_power,
            "ref_power": self.ref_power,
        })
        return config
