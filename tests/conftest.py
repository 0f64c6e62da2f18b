import copy
import os
import random

import numpy as np
import pytest
import torch

# Progress-bar tests compare bytes with Keras, which redraws in place even into a pipe.
os.environ.setdefault("TORCHKERAS_PROGBAR", "keras")


_MODULE_RNG_STATES = {}


def restart_module_rng(module):
    """A test module's shared `RNG = np.random.default_rng(seed)` starts every test where it stood after the
    module was imported, so a test draws the same data alone, in its file, or in any order."""
    rng = getattr(module, "RNG", None)
    if isinstance(rng, np.random.Generator):
        state = _MODULE_RNG_STATES.setdefault(module.__name__, copy.deepcopy(rng.bit_generator.state))
        rng.bit_generator.state = copy.deepcopy(state)


@pytest.fixture(autouse=True)
def _seed_and_clear(request):
    import torchkeras

    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    restart_module_rng(request.module)
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
