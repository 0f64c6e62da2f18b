"""Errors raised by a layer's own `call` during symbolic shape inference read as Keras's (issue 13, item 2)."""
import itertools
import re

import keras
import pytest

import torchkeras


def _bad_layer(k, error):
    class Bad(k.layers.Layer):
        def call(self, x, training=None):
            raise error("the layer's own error")

    return Bad


@pytest.mark.parametrize("error", [ValueError, TypeError, RuntimeError, KeyError])
@pytest.mark.parametrize("kwargs", [{}, {"training": True}], ids=["no_kwargs", "training"])
def test_symbolic_call_error_text_matches_keras(error, kwargs):
    messages = []
    for k in (keras, torchkeras):
        k.backend.clear_session(free_memory=False)
        layer = _bad_layer(k, error)(name="bad")
        with pytest.raises(error) as info:
            layer(k.Input((3,)), **kwargs)
        # Symbolic tensors' auto-generated names are each library's own.
        messages.append(re.sub(r"name=[a-z_0-9]+>", "name=...>", str(info.value)))
    assert messages[1] == messages[0]


def test_result_type_matches_keras_everywhere():
    dtypes = ["bool", "uint8", "uint16", "uint32", "int8", "int16", "int32", "int64", "bfloat16", "float16",
              "float32", "float64", "complex64", "complex128", "float8_e4m3fn", int, float, bool, complex, None]

    def outcome(fn, args):
        try:
            return fn(*args)
        except ValueError as e:
            return f"ValueError: {e}"

    for n in (1, 2):
        for args in itertools.product(dtypes, repeat=n):
            assert outcome(torchkeras.backend.result_type, args) == outcome(keras.backend.result_type, args), args
