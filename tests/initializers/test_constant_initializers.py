"""Zeros, Ones, Constant, Identity and STFT."""
import numpy as np
import pytest
import torch

from torchkeras import initializers


def test_zeros_ones(device):
    z = initializers.Zeros()((2, 3))
    o = initializers.Ones()((2, 3), dtype="int32")
    assert z.device.type == device and o.device.type == device
    assert z.dtype == torch.float32 and o.dtype == torch.int32
    np.testing.assert_array_equal(z.cpu().numpy(), np.zeros((2, 3)))
    np.testing.assert_array_equal(o.cpu().numpy(), np.ones((2, 3)))
    assert initializers.Zeros()(()).shape == ()


def test_constant_scalar_and_array(device):
    c = initializers.Constant(2.5)((2, 2), dtype="float64")
    assert c.dtype == torch.float64 and c.device.type == device
    np.testing.assert_array_equal(c.cpu().numpy(), np.full((2, 2), 2.5))
    row = initializers.Constant(np.array([1.0, 2.0, 3.0]))((2, 3))
    np.testing.assert_array_equal(row.cpu().numpy(), np.tile([1.0, 2.0, 3.0], (2, 1)))
    from_list = initializers.Constant([[1], [2]])((2, 3))
    np.testing.assert_array_equal(from_list.cpu().numpy(), [[1, 1, 1], [2, 2, 2]])
    from_tensor = initializers.Constant(torch.tensor([4.0, 5.0]))((3, 2))
    np.testing.assert_array_equal(from_tensor.cpu().numpy(), [[4, 5]] * 3)
    assert initializers.Constant(3)((2,), dtype="int64").dtype == torch.int64


def test_constant_config_round_trip():
    init = initializers.Constant(np.array([1.0, 2.0]))
    config = initializers.serialize(init)
    assert config["class_name"] == "Constant"
    assert config["config"]["value"]["class_name"] == "__numpy__"
    rebuilt = initializers.deserialize(config)
    np.testing.assert_array_equal(rebuilt((2,)).numpy(), [1.0, 2.0])
    assert initializers.Constant(0.3).get_config() == {"value": 0.3}
    assert initializers.Constant.from_config({"value": 0.3}).value == 0.3


def test_identity(device):
    eye = initializers.Identity()((3, 3))
    assert eye.device.type == device
    np.testing.assert_array_equal(eye.cpu().numpy(), np.eye(3))
    rect = initializers.Identity(gain=2.0)((2, 4), dtype="float64")
    np.testing.assert_array_equal(rect.cpu().numpy(), 2 * np.eye(2, 4))
    with pytest.raises(ValueError, match=r"only be used for 2D matrices. Received: shape=\(2, 2, 2\) of rank 3"):
        initializers.Identity()((2, 2, 2))


def test_identity_config():
    assert initializers.Identity().get_config() == {}
    assert initializers.Identity(gain=3.0).get_config() == {"gain": 3.0}
    assert initializers.Identity.from_config({"gain": 3.0}).gain == 3.0


def _stft_reference(frame_length, fft_length, side, window, scaling):
    freq = np.arange(fft_length)[None, None, :] / ((fft_length - 1) * 2)
    time = np.arange(frame_length)[:, None, None]
    angles = -2 * np.pi * time * freq
    kernel = np.cos(angles) if side == "real" else np.sin(angles)
    if window is None:
        return kernel
    win = window.reshape(frame_length, 1, 1)
    scale = np.sqrt((win**2).sum()) if scaling == "density" else np.abs(win).sum() if scaling else 1
    return kernel * win / scale


@pytest.mark.parametrize("side", ["real", "imag"])
@pytest.mark.parametrize("scaling", ["density", "spectrum", None])
def test_stft(side, scaling):
    frame_length, fft_length = 16, 9
    hann = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(frame_length) / (frame_length - 1))  # symmetric
    values = initializers.STFT(side=side, scaling=scaling)((frame_length, 1, fft_length), dtype="float64")
    np.testing.assert_allclose(values.numpy(), _stft_reference(frame_length, fft_length, side, hann, scaling),
                               atol=1e-12)
    periodic = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(frame_length) / frame_length)
    values = initializers.STFT(side=side, scaling=scaling, periodic=True)((frame_length, 1, fft_length),
                                                                           dtype="float64")
    np.testing.assert_allclose(values.numpy(),
                               _stft_reference(frame_length, fft_length, side, periodic, scaling), atol=1e-12)


def test_stft_window_options():
    custom = np.linspace(0.1, 1.0, 8)
    values = initializers.STFT(window=custom, scaling=None)((8, 1, 5), dtype="float64")
    np.testing.assert_allclose(values.numpy(), _stft_reference(8, 5, "real", custom, None), atol=1e-12)
    bare = initializers.STFT(window=None)((8, 1, 5), dtype="float64")
    np.testing.assert_allclose(bare.numpy(), _stft_reference(8, 5, "real", None, None), atol=1e-12)
    with pytest.raises(ValueError, match="The shape of `window` must be equal to"):
        initializers.STFT(window=np.ones(4))((8, 1, 5))
    with pytest.raises(ValueError, match="side should be 'real' or 'imag'"):
        initializers.STFT(side="both")
    with pytest.raises(ValueError, match="Scaling is invalid"):
        initializers.STFT(scaling="power")


def test_stft_config():
    assert initializers.STFT().get_config() == {"side": "real", "window": "hann", "periodic": False,
                                                "scaling": "density"}
