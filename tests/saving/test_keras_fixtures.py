"""Files written by real Keras 2 (tf_keras 2.21) and Keras 3 (3.15.1): load, predict, compare with the stored
outputs and weights (`<prefix>_io.npz`), for every file in tests/fixtures/keras_files."""
import os
import warnings

import h5py
import numpy as np
import pytest
import torch

import torchkeras
from torchkeras.saving import h5_utils

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures", "keras_files")
FULL_MODELS = ["k2_seq_full.h5", "k2_nested_full.h5", "k2_rnn_full.h5", "k2_conv_full.h5", "k2_attn_full.h5",
               "k3_seq_full.h5", "k3_nested_full.h5", "k3_rnn_full.h5",
               "k3_seq.keras", "k3_nested.keras", "k3_rnn.keras", "k3_conv.keras", "k3_attn.keras"]
# (weights file, file whose model config builds the architecture)
WEIGHTS_FILES = [("k2_seq_weights.h5", "k2_seq_full.h5"), ("k2_nested_weights.h5", "k2_nested_full.h5"),
                 ("k3_seq.weights.h5", "k3_seq.keras"), ("k3_nested.weights.h5", "k3_nested.keras"),
                 ("k3_rnn.weights.h5", "k3_rnn.keras"), ("k3_conv.weights.h5", "k3_conv.keras"),
                 ("k3_attn.weights.h5", "k3_attn.keras")]


def path(name):
    return os.path.join(FIXTURES, name)


def io_of(name):
    prefix = name.split(".")[0].replace("_full", "").replace("_weights", "")
    return np.load(path(f"{prefix}_io.npz"))


def tolerance(name):
    # Convolutions reproduce Keras to float32 rounding of longer sums (K3 by K3 is exact, K2 by K3 ~4e-6).
    return 2e-5 if "conv" in name else 1e-6


def check_model(model, name):
    io = io_of(name)
    # The fixtures were written on another machine: float32 sums there ran through other kernels.
    np.testing.assert_allclose(model.predict(io["x"], verbose=0), io["y"], rtol=1e-5, atol=tolerance(name))
    expected = [io[f"w{i:03d}"] for i in range(len(io["weight_names"]))]
    actual = model.get_weights()
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        np.testing.assert_array_equal(a, e)


@pytest.mark.parametrize("name", FULL_MODELS)
def test_load_model_reproduces_keras_outputs(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = torchkeras.models.load_model(path(name))
    check_model(model, name)


@pytest.mark.parametrize("name,arch", WEIGHTS_FILES)
def test_load_weights_reproduces_keras_outputs(name, arch):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = torchkeras.models.load_model(path(arch), compile=False)
    with torch.no_grad():
        for w in model.weights:
            w.zero_()
    model.load_weights(path(name))
    check_model(model, name)


@pytest.mark.parametrize("name", ["k2_seq_full.h5", "k2_nested_full.h5", "k2_rnn_full.h5"])
def test_legacy_weights_of_full_files_load_into_rebuilt_model(name):
    """`load_weights("x.h5")` of a full-model file uses its `model_weights` group (order-based)."""
    model = torchkeras.models.load_model(path(name), compile=False)
    with torch.no_grad():
        for w in model.weights:
            w.zero_()
    model.load_weights(path(name))
    check_model(model, name)


def _file_optimizer_arrays(name):
    with h5py.File(path(name), "r") as f:
        group = f["optimizer_weights"]
        names = h5_utils.read_name_list(group, "weight_names")
        return {n: np.asarray(group[n]) for n in names}


def test_keras2_optimizer_state_is_restored():
    saved = _file_optimizer_arrays("k2_seq_full.h5")
    model = torchkeras.models.load_model(path("k2_seq_full.h5"))
    optimizer = model.optimizer
    assert type(optimizer).__name__ == "Adam"
    assert int(optimizer.iterations.numpy()) == int(saved["iteration:0"])
    slots = [v for v in optimizer.variables[2:]]
    expected = [v for k, v in saved.items() if k != "iteration:0"]
    assert len(slots) == len(expected) == 12
    for slot, value in zip(slots, expected):
        np.testing.assert_array_equal(slot.numpy(), value)


def test_keras2_legacy_optimizer_state_is_regrouped_per_variable():
    saved = _file_optimizer_arrays("k2_legacy_adam_full.h5")
    model = torchkeras.models.load_model(path("k2_legacy_adam_full.h5"))
    optimizer = model.optimizer
    assert int(optimizer.iterations.numpy()) == int(saved["Adam/iter:0"])
    expected = [saved["Adam/d/kernel/m:0"], saved["Adam/d/kernel/v:0"], saved["Adam/d/bias/m:0"],
                saved["Adam/d/bias/v:0"]]
    for slot, value in zip(optimizer.variables[2:], expected):
        np.testing.assert_array_equal(slot.numpy(), value)


def test_keras3_h5_optimizer_state_is_restored():
    """Keras 3 itself drops the slots of its `.h5` files; torchkeras restores all 14 variables."""
    saved = _file_optimizer_arrays("k3_seq_full.h5")
    model = torchkeras.models.load_model(path("k3_seq_full.h5"))
    variables = model.optimizer.variables
    assert len(variables) == len(saved) == 14
    for variable, value in zip(variables, saved.values()):
        np.testing.assert_array_equal(variable.numpy(), value)


def test_keras3_archive_optimizer_state_is_restored():
    with h5py.File(path("k3_seq.weights.h5"), "r") as f:
        group = f["optimizer/vars"]
        saved = [np.asarray(group[str(i)]) for i in range(len(group))]
    model = torchkeras.models.load_model(path("k3_seq.keras"))
    assert model.compiled
    for variable, value in zip(model.optimizer.variables, saved):
        np.testing.assert_array_equal(variable.numpy(), value)


def test_training_resumes_from_keras2_file():
    model = torchkeras.models.load_model(path("k2_seq_full.h5"))
    io = io_of("k2_seq_full.h5")
    y = np.array([0, 1] * (len(io["x"]) // 2) + [0] * (len(io["x"]) % 2))
    before = int(model.optimizer.iterations.numpy())
    model.train_on_batch(io["x"], y)
    assert int(model.optimizer.iterations.numpy()) == before + 1
