"""`keras.layers.HashedCrossing`: the bins Keras's own tests and docs give (TensorFlow's sparse cross hash),
input kinds and shapes, one_hot output, errors and config."""
import numpy as np
import pytest
import torch

import torchkeras
from torchkeras.layers import HashedCrossing

FEAT1 = np.array(["A", "B", "A", "B", "A"])
FEAT2 = np.array([101, 101, 101, 102, 102])


def test_bins_match_keras_documented_values():
    # From Keras's HashedCrossing docstring and tests (computed there by `tf.sparse.cross_hashed`).
    out = HashedCrossing(num_bins=5)((FEAT1, FEAT2))
    assert out.dtype == torch.int64
    np.testing.assert_array_equal(out.numpy(), [1, 4, 1, 1, 3])
    assert int(HashedCrossing(num_bins=10)(("A", 101))) == 1
    one_hot = HashedCrossing(num_bins=5, output_mode="one_hot")((FEAT1, FEAT2))
    np.testing.assert_array_equal(one_hot.numpy(), np.eye(5, dtype="float32")[[1, 4, 1, 1, 3]])
    assert one_hot.dtype == torch.float32


def test_input_kinds_and_shapes():
    expected = np.array([1, 4, 1, 1, 3])
    layer = HashedCrossing(num_bins=5)
    for feat1 in (FEAT1, list(FEAT1), FEAT1.astype(object), np.char.encode(FEAT1)):
        for feat2 in (FEAT2, torch.tensor(FEAT2), FEAT2.astype("int32"), list(FEAT2)):
            np.testing.assert_array_equal(layer((feat1, feat2)).numpy(), expected)
    column = layer((FEAT1[:, None], FEAT2[:, None]))
    assert tuple(column.shape) == (5, 1)
    np.testing.assert_array_equal(column.numpy()[:, 0], expected)
    one_hot = HashedCrossing(num_bins=5, output_mode="one_hot")
    assert tuple(one_hot((FEAT1[:, None], FEAT2[:, None])).shape) == (5, 5)
    assert tuple(one_hot(("A", 101)).shape) == (1, 5)  # Keras's encoding uprank a scalar to one sample
    # Integers cross as integers; three features; bins stay in range.
    ints = HashedCrossing(num_bins=7)((torch.arange(20), torch.arange(20) * 3, -torch.arange(20)))
    assert ints.shape == (20,) and int(ints.min()) >= 0 and int(ints.max()) < 7
    assert HashedCrossing(num_bins=3, dtype="int32")((FEAT2, FEAT2)).dtype == torch.int32


def test_order_of_features_matters():
    a = HashedCrossing(num_bins=1000)((FEAT1, FEAT2.astype(str)))
    b = HashedCrossing(num_bins=1000)((FEAT2.astype(str), FEAT1))
    assert not torch.equal(a, b)


def test_symbolic_call_in_a_model():
    a, b = torchkeras.Input((1,), dtype="int64"), torchkeras.Input((1,), dtype="int64")
    out = HashedCrossing(num_bins=4, output_mode="one_hot")((a, b))
    assert tuple(out.shape) == (None, 4)
    model = torchkeras.Model([a, b], out)
    result = model([torch.tensor([[1], [2]]), torch.tensor([[3], [4]])])
    assert tuple(result.shape) == (2, 4) and torch.all(result.sum(-1) == 1)


def test_errors():
    layer = HashedCrossing(num_bins=5)
    with pytest.raises(ValueError, match="list or tuple"):
        layer(FEAT2)
    with pytest.raises(ValueError, match="at least two inputs"):
        layer((FEAT2,))
    with pytest.raises(ValueError, match="inputs should have shape"):
        layer((np.ones((2, 2), "int64"), np.ones((2, 2), "int64")))
    with pytest.raises(ValueError, match="equal shape"):
        layer((np.ones((2,), "int64"), np.ones((3,), "int64")))
    with pytest.raises(ValueError, match="integer or string"):
        layer((np.ones((2,), "float32"), np.ones((2,), "int64")))
    with pytest.raises(ValueError, match="output_mode"):
        HashedCrossing(num_bins=5, output_mode="multi_hot")
    with pytest.raises(ValueError, match="TensorFlow backend"):
        HashedCrossing(num_bins=5, sparse=True)


def test_config_round_trip():
    layer = HashedCrossing(num_bins=7, output_mode="one_hot", name="cross")
    config = layer.get_config()
    assert config == {"num_bins": 7, "output_mode": "one_hot", "sparse": False, "name": "cross", "dtype": "float32"}
    assert HashedCrossing(num_bins=3).get_config()["dtype"] == "int64"
    clone = HashedCrossing.from_config(config)
    torch.testing.assert_close(clone((FEAT1, FEAT2)), layer((FEAT1, FEAT2)))
