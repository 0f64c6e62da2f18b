"""A name in a config resolves only to a registered public object of the right kind (issue 11, item 4).

Module helpers (`get`, `serialize`, `deserialize`), torchkeras internals (`keras_export`, `is_builtin`,
`ALL_OBJECTS_DICT`, imported modules) and private names are unknown, with Keras's error text, however they are
given: as a name to `get()`, as a function or class config, or inside a layer's config.
"""
import json

import pytest

import torchkeras as keras
from torchkeras.saving import serialization_lib

HOSTILE = [
    "get", "serialize", "deserialize", "keras_export", "is_builtin", "namespace", "ALL_OBJECTS_DICT",
    "ALL_OBJECTS", "serialization_lib", "api_export", "dispatch", "identifiers", "os", "sys", "torch",
    "load_model", "save_model", "clear_session", "enable_unsafe_deserialization", "get_file", "_private",
    "__class__", "__init__", "__import__", "layers.Dense", "Dense.__init__", "relu.__globals__", "",
]

KINDS = {
    # kind: (namespace, get, deserialize, the word in Keras's "Could not interpret ... identifier" message,
    #        a real name that must resolve)
    "activation": ("activations", "activation function", "relu"),
    "loss": ("losses", "loss", "mean_squared_error"),
    "metric": ("metrics", "metric", "binary_accuracy"),
    "initializer": ("initializers", "initializer", "glorot_uniform"),
    "regularizer": ("regularizers", "regularizer", "l2"),
    "constraint": ("constraints", "constraint", "max_norm"),
    "optimizer": ("optimizers", "optimizer", "adam"),
}


def _module(kind):
    return getattr(keras, KINDS[kind][0])


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_real_names_still_resolve(kind):
    assert _module(kind).get(KINDS[kind][2]) is not None


@pytest.mark.parametrize("name", HOSTILE)
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_get_refuses_non_public_names(kind, name):
    with pytest.raises(ValueError, match=f"Could not interpret {KINDS[kind][1]} identifier"):
        _module(kind).get(name)


@pytest.mark.parametrize("name", HOSTILE)
@pytest.mark.parametrize("module", ["builtins", "keras.activations", "keras.losses", "keras.metrics", "keras.ops",
                                    "keras.saving", "keras.utils", "keras.src.activations.activations", None])
def test_function_configs_refuse_non_public_names(module, name):
    config = {"module": module, "class_name": "function", "config": name, "registered_name": "function"}
    with pytest.raises(TypeError, match=f"Could not locate function '{_re(name)}'. Make sure custom classes and "
                                        "functions are decorated with"):
        serialization_lib.deserialize_keras_object(config)


@pytest.mark.parametrize("name", HOSTILE + ["function", "Functional.__new__", "Sequential.from_config"])
@pytest.mark.parametrize("module", ["keras", "keras.layers", "keras.initializers", "keras.saving", "keras.utils",
                                    "keras.src.saving.serialization_lib", "keras.src.ops.numpy", None])
def test_class_configs_refuse_non_public_names(module, name):
    if name == "function":
        return  # a function reference, covered above
    config = {"module": module, "class_name": name, "config": {}, "registered_name": None}
    with pytest.raises(TypeError, match=f"Could not locate class '{_re(name)}'"):
        serialization_lib.deserialize_keras_object(config)


@pytest.mark.parametrize("name", HOSTILE)
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_deserialize_of_each_kind_refuses_non_public_names(kind, name):
    deserialize = _module(kind).deserialize
    for config in (
        {"module": f"keras.{KINDS[kind][0]}", "class_name": name, "config": {}, "registered_name": None},
        {"class_name": name, "config": {}},  # Keras 2 form
        {"module": "builtins", "class_name": "function", "config": name, "registered_name": "function"},
    ):
        with pytest.raises((TypeError, ValueError), match="Could not (locate|interpret)"):
            deserialize(config)


@pytest.mark.parametrize("name", HOSTILE)
@pytest.mark.parametrize("argument", ["activation", "kernel_initializer", "kernel_regularizer", "kernel_constraint"])
def test_names_inside_a_layer_config_are_refused(argument, name):
    config = {"module": "keras.layers", "class_name": "Dense", "config": {"units": 2, argument: name},
              "registered_name": None}
    with pytest.raises((TypeError, ValueError), match="Could not interpret"):
        keras.layers.deserialize(config)


@pytest.mark.parametrize("name", ["get", "serialize", "deserialize", "keras_export", "_private", "Function"])
def test_model_json_with_a_non_layer_class_is_refused(name):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="dense")])
    config = json.loads(model.to_json())
    config["config"]["layers"][-1]["class_name"] = name
    config["config"]["layers"][-1]["module"] = "keras.layers"
    with pytest.raises((TypeError, ValueError)):
        keras.models.model_from_json(json.dumps(config))


def test_layers_deserialize_round_trips_and_refuses_non_layers():
    layer = keras.layers.Dense(3, activation="relu", name="d")
    config = keras.layers.serialize(layer)
    assert config["module"] == "keras.layers" and config["class_name"] == "Dense"
    again = keras.layers.deserialize(config)
    assert isinstance(again, keras.layers.Dense) and again.units == 3 and again.name == "d"
    with pytest.raises(ValueError, match="was passed a `config` object that is not a `keras.layers.Layer`"):
        keras.layers.deserialize(keras.optimizers.serialize(keras.optimizers.Adam()))


def _re(text):
    import re

    return re.escape(text)


def test_internal_op_names_resolve_in_a_fresh_interpreter(tmp_path):
    """A functional config naming Keras's internal op classes (`keras.src.ops.numpy.Add`,
    `keras.src.activations.activations.ReLU`) loads in a process that has not imported `keras.ops` yet."""
    import os
    import subprocess
    import sys
    import textwrap

    import numpy as np

    inputs = keras.Input((3,))
    hidden = keras.layers.Dense(4)(inputs)
    outputs = keras.activations.relu(keras.ops.add(keras.ops.numpy.reshape(hidden, (-1, 2, 2)), 1.0))
    model = keras.Model(inputs, outputs)
    path = str(tmp_path / "ops.keras")
    model.save(path)
    x = np.linspace(-1, 1, 6, dtype="float32").reshape(2, 3)
    np.save(tmp_path / "want.npy", model.predict(x, verbose=0))
    code = textwrap.dedent(f"""
        import sys
        import numpy as np
        import torchkeras as keras
        assert "torchkeras.ops.numpy" not in sys.modules
        model = keras.saving.load_model({path!r})
        got = model.predict(np.linspace(-1, 1, 6, dtype="float32").reshape(2, 3), verbose=0)
        np.testing.assert_array_equal(got, np.load({str(tmp_path / "want.npy")!r}))
    """)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": root}, timeout=300)
    assert out.returncode == 0, out.stderr
