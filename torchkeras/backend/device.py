"""Where tensors and variables live: CUDA when available, else CPU (like Keras's torch backend).

Override with `torchkeras.backend.set_device("cpu")`, with the `TORCHKERAS_DEVICE` environment variable, or
for a block of code with `with torchkeras.backend.device_scope("cpu"): ...`.
"""
import contextlib
import os

import torch

_DEVICE = None
_SCOPE = []


def _default_device():
    env = os.environ.get("TORCHKERAS_DEVICE")
    if env:
        return torch.device(env)
    if torch.cuda.is_available():
        return torch.device("cuda")
    return torch.device("cpu")


def get_device():
    """The device new variables and converted inputs are placed on."""
    global _DEVICE
    if _SCOPE:
        return _SCOPE[-1]
    if _DEVICE is None:
        _DEVICE = _default_device()
    return _DEVICE


def set_device(device):
    """Set the default device (`'cpu'`, `'cuda'`, `'cuda:1'`, or a `torch.device`)."""
    global _DEVICE
    _DEVICE = torch.device(device) if device is not None else None


@contextlib.contextmanager
def device_scope(device):
    """Place everything created inside the block on `device`."""
    _SCOPE.append(torch.device(device))
    try:
        yield
    finally:
        _SCOPE.pop()
