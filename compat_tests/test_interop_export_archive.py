"""`ExportArchive` beside real Keras 3 (torch backend). Keras's archive on torch converts its `torch.export`
program to a TensorFlow SavedModel, so it needs TensorFlow (and torch_xla); torchkeras writes the
`torch.export` programs themselves. Compared here: the same weights give the same endpoint outputs as Keras's
model, and Keras's own archive is unavailable without TensorFlow."""
import importlib.util

import keras
import numpy as np
import pytest
import torch

import torchkeras

pytestmark = pytest.mark.filterwarnings("ignore")


def _build(module):
    inputs = module.Input((6,))
    x = module.layers.Dense(8, activation="gelu")(inputs)
    x = module.layers.LayerNormalization()(x)
    x = module.layers.Dropout(0.3)(x)
    return module.Model(inputs, module.layers.Dense(3, activation="softmax")(x))


def test_endpoint_outputs_match_keras_model(tmp_path):
    k_model, t_model = _build(keras), _build(torchkeras)
    t_model.set_weights(k_model.get_weights())
    archive = torchkeras.export.ExportArchive()
    archive.track(t_model)
    archive.add_endpoint("serve", t_model.call, input_signature=[torchkeras.InputSpec(shape=(None, 6))])
    archive.write_out(str(tmp_path / "artifact"), verbose=False)
    revived = torchkeras.export.load_export_archive(str(tmp_path / "artifact"))
    x = np.random.default_rng(0).normal(size=(9, 6)).astype("float32")
    expected = k_model.predict(x, verbose=0)
    np.testing.assert_allclose(revived.serve(torch.tensor(x)).detach().numpy(), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.skipif(importlib.util.find_spec("tensorflow") is not None, reason="TensorFlow is installed")
def test_keras_archive_needs_tensorflow_on_torch():
    with pytest.raises(ImportError, match="tensorflow"):
        keras.export.ExportArchive()
