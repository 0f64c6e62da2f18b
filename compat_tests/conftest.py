"""compat_tests run real Keras 3 (torch backend) beside torchkeras: same weights in, same numbers out."""
import os

os.environ.setdefault("KERAS_BACKEND", "torch")
# Progress-bar tests compare bytes with Keras, which redraws in place even into a pipe.
os.environ.setdefault("TORCHKERAS_PROGBAR", "keras")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

keras = pytest.importorskip("keras")
if keras.backend.backend() != "torch":  # pragma: no cover
    pytest.skip("compat_tests need KERAS_BACKEND=torch", allow_module_level=True)


@pytest.fixture(autouse=True)
def _seed():
    import torch

    np.random.seed(0)
    torch.manual_seed(0)
    yield
