import os

import numpy as np
import pytest
import torch

# Progress-bar tests compare bytes with Keras, which redraws in place even into a pipe.
os.environ.setdefault("TORCHKERAS_PROGBAR", "keras")


@pytest.fixture(autouse=True)
def _seed_and_clear():
    import torchkeras

    np.random.seed(0)
    torch.manual_seed(0)
    torchkeras.backend.clear_session(free_memory=False)
    yield


def available_devices():
    devices = ["cpu"]
    if torch.cuda.is_available():
        devices.append("cuda")
    return devices


@pytest.fixture(params=available_devices())
def device(request):
    """Run a test on every device present (CPU always, CUDA when available)."""
    from torchkeras.backend import device as device_lib

    with device_lib.device_scope(request.param):
        yield request.param
