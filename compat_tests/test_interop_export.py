"""`model.export(format="torch")` beside real Keras 3: the same program interface and the same numbers."""
import numpy as np
import torch

import keras

import torchkeras
from torchkeras.export import export_model


def export(model, path, **kwargs):
    if hasattr(model, "export"):
        return model.export(path, **kwargs)
    return export_model(model, path, **kwargs)


def test_exported_programs_agree(tmp_path):
    k_model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(5, activation="relu"),
                                keras.layers.BatchNormalization(), keras.layers.Dropout(0.5), keras.layers.Dense(2)])
    t_model = torchkeras.Sequential([torchkeras.Input((6,)), torchkeras.layers.Dense(5, activation="relu"),
                                     torchkeras.layers.BatchNormalization(), torchkeras.layers.Dropout(0.5),
                                     torchkeras.layers.Dense(2)])
    weights = k_model.get_weights()
    weights[4] = np.linspace(0.5, 1.5, 5).astype("float32")  # moving mean and variance that matter
    weights[5] = np.linspace(1.0, 2.0, 5).astype("float32")
    k_model.set_weights(weights)
    t_model.set_weights(weights)
    k_path, t_path = str(tmp_path / "keras.pt2"), str(tmp_path / "torchkeras.pt2")
    k_model.export(k_path, format="torch", verbose=False)
    export(t_model, t_path, format="torch", verbose=False)
    x = torch.rand(1, 6)
    k_out = torch.export.load(k_path).module()(x)
    t_out = torch.export.load(t_path).module()(x)
    np.testing.assert_allclose(t_out.detach().numpy(), k_out.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(t_out.detach().numpy(), k_model.predict(x.numpy(), verbose=0), rtol=1e-5, atol=1e-6)


def test_functional_program_signature_matches_keras(tmp_path):
    def build(lib):
        a, b = lib.Input((3,), name="a"), lib.Input((2,), name="b")
        merged = lib.layers.Concatenate()([lib.layers.Dense(4, name="da")(a), b])
        return lib.Model([a, b], lib.layers.Dense(1, name="out")(merged))

    k_model, t_model = build(keras), build(torchkeras)
    t_model.set_weights(k_model.get_weights())
    k_path, t_path = str(tmp_path / "keras.pt2"), str(tmp_path / "torchkeras.pt2")
    k_model.export(k_path, format="torch", verbose=False)
    export(t_model, t_path, format="torch", verbose=False)
    inputs = [torch.rand(1, 3), torch.rand(1, 2)]
    k_out = torch.export.load(k_path).module()(inputs)
    t_out = torch.export.load(t_path).module()(inputs)
    np.testing.assert_allclose(t_out.detach().numpy(), k_out.detach().numpy(), rtol=1e-5, atol=1e-6)
