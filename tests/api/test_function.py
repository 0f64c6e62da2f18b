"""`keras.Function`: a callable graph of operations from input KerasTensors to output KerasTensors."""
import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras.ops.function import Function


def test_function_is_keras_function_not_operation():
    assert keras.Function is Function
    assert issubclass(keras.Function, keras.Operation) and keras.Function is not keras.Operation


def test_function_of_ops_on_bare_keras_tensors():
    input_1 = keras.KerasTensor(shape=(None, 2, 3))
    input_2 = keras.KerasTensor(shape=(None, 2, 3))
    output = keras.ops.sigmoid(input_1 + input_2)
    fn = keras.Function(inputs=[input_1, input_2], outputs=output, name="fn")
    a = np.random.RandomState(0).random_sample((4, 2, 3)).astype("float32")
    b = np.random.RandomState(1).random_sample((4, 2, 3)).astype("float32")
    result = fn([a, b])
    assert isinstance(result, torch.Tensor) and tuple(result.shape) == (4, 2, 3)
    np.testing.assert_allclose(result.numpy(), 1 / (1 + np.exp(-(a + b))), rtol=1e-6, atol=1e-7)
    assert [type(op).__name__ for op in fn.operations] == ["Add", "Sigmoid"]
    assert fn.inputs == [input_1, input_2] and fn.outputs == [output] and fn.name == "fn"


def test_function_with_layers_and_nested_outputs():
    inputs = keras.Input((4,))
    dense = keras.layers.Dense(3)
    hidden = dense(inputs)
    outputs = {"relu": keras.ops.relu(hidden), "linear": hidden}
    fn = keras.Function(inputs, outputs)
    x = torch.randn(5, 4)
    result = fn(x)
    assert set(result) == {"relu", "linear"}
    np.testing.assert_allclose(result["linear"].detach().numpy(), dense(x).detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(result["relu"].detach().numpy(), np.maximum(dense(x).detach().numpy(), 0), rtol=1e-6)
    assert fn.compute_output_shape((7, 4)) == {"relu": (7, 3), "linear": (7, 3)}
    spec = fn.compute_output_spec(keras.KerasTensor((7, 4)))
    assert spec["relu"].shape == (7, 3) and spec["relu"].dtype == "float32"


def test_a_function_can_be_called_on_symbolic_tensors_inside_a_model():
    inputs = keras.KerasTensor(shape=(None, 3))
    fn = keras.Function(inputs, keras.ops.multiply(inputs, 2.0))
    model_in = keras.Input((3,))
    model = keras.Model(model_in, keras.layers.Dense(1, kernel_initializer="ones")(fn(model_in)))
    out = model.predict(np.ones((2, 3), "float32"), verbose=0)
    np.testing.assert_allclose(out, np.full((2, 1), 6.0), rtol=1e-6)


def test_function_errors():
    x = keras.KerasTensor(shape=(None, 3))
    with pytest.raises(ValueError, match="`inputs` argument cannot be empty"):
        keras.Function([], keras.ops.relu(x))
    with pytest.raises(ValueError, match="`outputs` argument cannot be empty"):
        keras.Function(x, [])
    fn = keras.Function(x, keras.ops.relu(x))
    with pytest.raises(ValueError, match="expected shape \\(None, 3\\), but received instead a tensor with shape"):
        fn(np.ones((2, 4), "float32"))
    with pytest.raises(ValueError, match="invalid input structure"):
        fn([np.ones((2, 3), "float32"), np.ones((2, 3), "float32")])
    other = keras.KerasTensor(shape=(None, 3))
    with pytest.raises(ValueError):
        keras.Function(x, keras.ops.add(keras.ops.relu(x), keras.ops.relu(other)))  # not computable from x
