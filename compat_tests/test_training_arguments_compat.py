"""Wrong arguments and data for fit/evaluate/predict: where real Keras 3 has an error message, torchkeras raises
the same exception type with Keras's words (and says more where Keras stops short)."""
import warnings

import numpy as np
import pytest

import keras

import torchkeras

N, D, C = 16, 4, 3


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(N, D)).astype("float32"), rng.integers(0, C, size=N)


def _model(lib):
    model = lib.Sequential([lib.Input((D,), name="feats"), lib.layers.Dense(C, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    return model


def _errors(call):
    """`(Keras's exception, torchkeras's exception)` for the same call on each library's model."""
    found = []
    for lib in (keras, torchkeras):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(Exception) as info:
                call(_model(lib))
        found.append(info.value)
    return found


X, Y = _data()


def _empty_generator():
    yield from ()


@pytest.mark.parametrize("method,value", [("fit", -1), ("fit", 1.5), ("fit", True), ("fit", -20),
                                          ("evaluate", -3), ("evaluate", 2.5), ("predict", -3), ("predict", 2.5)])
def test_batch_size_message_is_keras(method, value):
    def call(model):
        args = (X,) if method == "predict" else (X, Y)
        return getattr(model, method)(*args, batch_size=value, verbose=0)

    theirs, ours = _errors(call)
    assert type(theirs) is type(ours) is ValueError
    assert str(ours).startswith(str(theirs)), (str(theirs), str(ours))


def test_validation_freq_message_is_keras():
    theirs, ours = _errors(lambda m: m.fit(X, Y, validation_split=0.25, validation_freq="a", verbose=0))
    assert type(theirs) is type(ours) is ValueError
    assert str(ours) == str(theirs)


def test_empty_generator_message_is_keras():
    theirs, ours = _errors(lambda m: m.fit(_empty_generator(), verbose=0))
    assert type(theirs) is type(ours) is ValueError
    fragment = "When passing a Python generator to a Keras model, the generator must yield at least one batch."
    assert fragment in str(theirs) and fragment in str(ours)


@pytest.mark.parametrize("label", [C, C + 4, -1, -3])
def test_label_out_of_range_message_is_keras(label):
    y = Y.copy()
    y[0] = label  # in the first batch, where Keras sees it too (Keras does not look ahead)
    theirs, ours = _errors(lambda m: m.fit(X, y, verbose=0))
    assert type(theirs) is type(ours) is IndexError
    assert str(theirs) == f"Target {label} is out of bounds."
    assert str(ours).startswith(str(theirs))


def test_too_many_inputs_message_is_keras_input_spec_wording():
    # Keras 3 only warns for a functional model given a list for its one input (and uses the first array);
    # torchkeras refuses, with the words of Keras's input-spec check for the same mistake.
    from keras.src.layers.input_spec import InputSpec
    from keras.src.layers.input_spec import assert_input_compatibility

    with pytest.raises(ValueError) as keras_error:
        assert_input_compatibility([InputSpec(shape=(None, D))], [X, X], "sequential")
    keras_words = str(keras_error.value).split(" Inputs received")[0]
    model = _model(torchkeras)
    with pytest.raises(ValueError) as ours:
        model.fit([X, X], Y, verbose=0)
    assert keras_words.replace('"sequential"', f'"{model.name}"') in str(ours.value)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _model(keras).fit([X, X], Y, verbose=0)
    assert any("doesn't match the expected structure" in str(w.message) for w in caught)


def test_wrong_width_message_is_keras():
    theirs, ours = _errors(lambda m: m.fit(X[:, :3], Y, verbose=0))
    assert type(theirs) is type(ours) is ValueError
    fragment = "expected axis -1 of input shape to have value 4, but received input with shape (16, 3)"
    assert fragment in str(theirs) and fragment in str(ours)


def test_cardinality_message_is_keras():
    theirs, ours = _errors(lambda m: m.fit(X, Y[:5], verbose=0))
    assert type(theirs) is type(ours) is ValueError
    assert "Data cardinality is ambiguous" in str(theirs) and "Data cardinality is ambiguous" in str(ours)


def test_empty_arrays_are_a_value_error_in_both():
    theirs, ours = _errors(lambda m: m.fit(X[:0], Y[:0], verbose=0))
    assert type(theirs) is type(ours) is ValueError
    assert "Expected at least one sample in `x`" in str(ours)
