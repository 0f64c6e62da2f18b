"""`HashedCrossing` beside real Keras 3. Keras's HashedCrossing needs TensorFlow (it calls
`tf.sparse.cross_hashed`) even on the torch backend, so this runs only where TensorFlow is installed;
the unit tests check the bins Keras documents."""
import keras
import numpy as np
import pytest

import torchkeras

pytest.importorskip("tensorflow")

RNG = np.random.default_rng(0)
WORDS = np.array(["red", "green", "blue", "", "a much longer string of thirty+ chars"] * 4)
NUMBERS = RNG.integers(-1000, 1000, size=20)


@pytest.mark.parametrize("num_bins", [2, 7, 1000])
@pytest.mark.parametrize("output_mode", ["int", "one_hot"])
def test_bins_match_keras(num_bins, output_mode):
    ours = torchkeras.layers.HashedCrossing(num_bins=num_bins, output_mode=output_mode)
    theirs = keras.layers.HashedCrossing(num_bins=num_bins, output_mode=output_mode)
    for inputs in [(WORDS, NUMBERS), (NUMBERS, WORDS), (NUMBERS[:, None], NUMBERS[:, None] * 7),
                   (WORDS, WORDS[::-1], NUMBERS)]:
        a, b = ours(inputs), theirs(inputs)
        np.testing.assert_array_equal(a.numpy(), np.asarray(b))
    assert ours.get_config() | {"name": None} == theirs.get_config() | {"name": None}
