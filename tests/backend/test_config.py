import json
import os
import subprocess
import sys

import pytest

import torchkeras as keras


def test_defaults_and_setters():
    assert keras.backend.floatx() == "float32"
    assert keras.backend.epsilon() == 1e-7
    assert keras.backend.image_data_format() == "channels_last"
    assert keras.backend.backend() == "torch"
    keras.backend.set_epsilon(1e-5)
    try:
        assert keras.config.epsilon() == 1e-5
    finally:
        keras.backend.set_epsilon(1e-7)
    with pytest.raises(ValueError, match="Unknown `floatx` value"):
        keras.backend.set_floatx("float99")
    with pytest.raises(ValueError, match="channels_first"):
        keras.backend.set_image_data_format("nhwc")


def test_keras_json_is_read_from_keras_home(tmp_path):
    (tmp_path / "keras.json").write_text(json.dumps(
        {"floatx": "float64", "epsilon": 1e-6, "image_data_format": "channels_first", "backend": "torch"}))
    code = ("import torchkeras as k; print(k.backend.floatx(), k.backend.epsilon(), "
            "k.backend.image_data_format())")
    env = dict(os.environ, KERAS_HOME=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["float64", "1e-06", "channels_first"]


def test_clear_session_resets_names():
    keras.layers.Dense(1)
    keras.layers.Dense(1)
    keras.backend.clear_session()
    assert keras.layers.Dense(1).name == "dense"


def test_device_is_cuda_when_available_else_cpu():
    import torch

    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert keras.backend.get_device().type in (expected, os.environ.get("TORCHKERAS_DEVICE", expected))
    with keras.backend.device_scope("cpu"):
        v = keras.Variable([1.0, 2.0])
    assert v.device.type == "cpu"


def test_k_functions_in_a_keras2_custom_loss():
    import numpy as np

    K = keras.backend

    def rmse(y_true, y_pred):
        return K.sqrt(K.mean(K.square(y_pred - y_true), axis=-1))

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, kernel_initializer="zeros")])
    model.compile("sgd", loss=rmse)
    loss = model.evaluate(np.ones((4, 3), "float32"), np.full((4, 1), 2.0, "float32"), verbose=0)
    assert loss == pytest.approx(2.0)
