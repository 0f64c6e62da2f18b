"""`STFT`: the real or imaginary part of a windowed DFT matrix, for 1D convolutions computing an STFT."""
import numpy as np
import torch

from torchkeras.api_export import keras_export
from torchkeras.initializers.initializer import Initializer
from torchkeras.initializers.initializer import resolve_dtype
from torchkeras.initializers.initializer import resolve_shape
from torchkeras.initializers.initializer import target_device

_TORCH_WINDOWS = {
    "hann": torch.hann_window,
    "hamming": torch.hamming_window,
    "blackman": torch.blackman_window,
    "bartlett": torch.bartlett_window,
}


def _named_window(name, length, periodic):
    """A window by name, as `scipy.signal.get_window(name, length, fftbins=periodic)` gives it (float64)."""
    if name in _TORCH_WINDOWS:
        return _TORCH_WINDOWS[name](length, periodic=periodic, dtype=torch.float64)
    try:
        from scipy import signal
    except ImportError:
        raise ValueError(
            f"Unknown window '{name}': without SciPy installed, STFT supports {sorted(_TORCH_WINDOWS)}, an "
            "array of window values, or None. Install scipy for its other windows."
        ) from None
    return torch.as_tensor(signal.get_window(name, length, periodic), dtype=torch.float64)


@keras_export("keras.initializers.STFT", "keras.initializers.stft", "keras.initializers.STFTInitializer")
class STFT(Initializer):
    """Initializer for a Conv1D kernel of shape `(frame_length, input_channels, fft_length)` computing the STFT.

    `side`: `"real"` (cosines) or `"imag"` (sines). `window`: a window name (`"hann"`, `"hamming"`, ...), an
    array of `frame_length` values, or None. `scaling`: `"density"` (divide by the window's L2 norm),
    `"spectrum"` (by its L1 norm) or None. `periodic`: use a periodic rather than a symmetric window.
    """

    def __init__(self, side="real", window="hann", scaling="density", periodic=False):
        if side not in ["real", "imag"]:
            raise ValueError(f"side should be 'real' or 'imag', not {side}")
        if isinstance(window, str):
            _named_window(window, 1, periodic)  # fails early on an unknown window name
        if scaling is not None and scaling not in ["density", "spectrum"]:
            raise ValueError(
                f"Scaling is invalid, it must be `None`, 'density' or 'spectrum'. Received scaling={scaling}"
            )
        self.side = side
        self.window = window
        self.scaling = scaling
        self.periodic = periodic

    def __call__(self, shape, dtype=None):
        shape = resolve_shape(shape)
        if len(shape) != 3:
            raise ValueError(
                "STFT initializes Conv1D kernels of shape (frame_length, input_channels, fft_length). "
                f"Received: shape={shape}"
            )
        dtype, device = resolve_dtype(dtype), target_device()
        frame_length, _, fft_length = shape
        win = None
        scale = 1
        if self.window is not None:
            if isinstance(self.window, str):
                win = _named_window(self.window, frame_length, self.periodic)
            else:
                win = torch.as_tensor(np.asarray(self.window))
            win = win.to(device=device, dtype=dtype)
            if win.dim() != 1 or win.shape[-1] != frame_length:
                raise ValueError(
                    f"The shape of `window` must be equal to [frame_length]. Received: window shape={tuple(win.shape)}"
                )
            win = win.reshape(frame_length, 1, 1)
            if self.scaling == "density":
                scale = torch.sqrt(torch.sum(torch.square(win)))
            elif self.scaling == "spectrum":
                scale = torch.sum(torch.abs(win))
        freq = torch.arange(fft_length, dtype=dtype, device=device).reshape(1, 1, fft_length) / (
            (fft_length - 1) * 2
        )
        time = torch.arange(frame_length, dtype=dtype, device=device).reshape(frame_length, 1, 1)
        pi = torch.arccos(torch.tensor(-1.0, dtype=dtype, device=device))
        angles = (-2 * time) * freq * pi
        kernel = torch.cos(angles) if self.side == "real" else torch.sin(angles)
        if win is not None:
            kernel = kernel * win / scale
        return kernel

    def get_config(self):
        return {"side": self.side, "window": self.window, "periodic": self.periodic, "scaling": self.scaling}
