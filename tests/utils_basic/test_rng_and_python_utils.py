"""`set_random_seed`, and the Python helpers (function serialization for Lambda layers)."""
import random

import numpy as np
import pytest
import torch

from torchkeras.utils import python_utils
from torchkeras.utils.rng_utils import get_random_seed
from torchkeras.utils.rng_utils import set_random_seed


def _draw():
    return random.random(), np.random.rand(), torch.rand(1).item()


def test_set_random_seed_seeds_everything():
    set_random_seed(123)
    first = _draw()
    assert get_random_seed() == 123
    set_random_seed(123)
    assert _draw() == first
    set_random_seed(124)
    assert _draw() != first


def test_set_random_seed_needs_an_int():
    with pytest.raises(ValueError, match="Expected `seed` argument to be an integer. Received: seed=1.5"):
        set_random_seed(1.5)
    set_random_seed(np.int64(5))


def test_func_dump_load_round_trip():
    offset = 3

    def shifted(x, scale=2):
        return x * scale + offset

    code, defaults, closure = python_utils.func_dump(shifted)
    assert isinstance(code, str) and defaults == (2,) and closure == (3,)
    loaded = python_utils.func_load(code, defaults=defaults, closure=closure)
    assert loaded(5) == 13 and loaded(5, scale=1) == 8
    # Keras 2 writes [code, defaults, closure] lists in configs.
    loaded = python_utils.func_load([code, [2], [3]])
    assert loaded(1) == 5


def test_func_load_lambda_with_globals():
    fn = lambda x: square_root(x) + 1  # noqa: E731, F821
    code = python_utils.func_dump(fn)[0]
    with pytest.raises(NameError):
        python_utils.func_load(code)(4.0)
    assert python_utils.func_load(code, globs={"square_root": np.sqrt})(4.0) == 3.0


def test_func_load_bad_data():
    with pytest.raises(ValueError, match="another Python version"):
        python_utils.func_load("bm90IGNvZGU=\n")


def test_small_helpers():
    assert python_utils.to_list(1) == [1] and python_utils.to_list([1]) == [1]
    assert python_utils.remove_long_seq(3, [[1], [1, 2, 3], [1, 2]], [0, 1, 2]) == ([[1], [1, 2]], [0, 2])
    a, b = torch.zeros(2), torch.zeros(2)
    items = [a, b]
    python_utils.remove_by_id(items, b)
    assert len(items) == 1 and items[0] is a
    assert python_utils.index_by_id([a, b], b) == 1 and python_utils.index_by_id([a], b) == -1
    assert python_utils.is_continuous_axis((1, 2, 3)) and python_utils.is_continuous_axis((3, 2))
    assert not python_utils.is_continuous_axis((0, 2))


def test_default_marker():
    class Base:
        @python_utils.default
        def hook(self):
            return None

    class Child(Base):
        def hook(self):
            return 1

    assert python_utils.is_default(Base().hook) and not python_utils.is_default(Child().hook)


def test_pythonify_logs():
    logs = {"loss": torch.tensor(0.5), "acc": np.float32(0.25), "nested": {"val_loss": torch.tensor([1.5])},
            "name": "x"}
    out = python_utils.pythonify_logs(logs)
    assert out == {"loss": 0.5, "acc": 0.25, "val_loss": 1.5, "name": "x"}
    assert all(type(out[k]) is float for k in ("loss", "acc", "val_loss"))
