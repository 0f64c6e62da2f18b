"""compat_tests run real Keras 3 (torch backend) beside torchkeras: same weights in, same numbers out."""
import copy
import os
import random

os.environ.setdefault("KERAS_BACKEND", "torch")
# Progress-bar tests compare bytes with Keras, which redraws in place even into a pipe.
os.environ.setdefault("TORCHKERAS_PROGBAR", "keras")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

keras = pytest.importorskip("keras")
if keras.backend.backend() != "torch":  # pragma: no cover
    pytest.skip("compat_tests need KERAS_BACKEND=torch", allow_module_level=True)


_MODULE_RNG_STATES = {}


def restart_module_rng(module):
    """A test module's shared `RNG = np.random.default_rng(seed)` starts every test where it stood after the
    module was imported, so a test draws the same data alone, in its file, or in any order."""
    rng = getattr(module, "RNG", None)
    if isinstance(rng, np.random.Generator):
        state = _MODULE_RNG_STATES.setdefault(module.__name__, copy.deepcopy(rng.bit_generator.state))
        rng.bit_generator.state = copy.deepcopy(state)


@pytest.fixture(autouse=True)
def _seed(request):
    import torch

    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    restart_module_rng(request.module)
    yield
