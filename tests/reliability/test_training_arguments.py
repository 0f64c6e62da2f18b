"""Wrong arguments and wrong data given to the training entry points (issue 11, items 11-14).

One family per class of input. Every case asserts the exception type, a fragment of its message, and that the
model's weights and the optimizer's variables are exactly as they were: the checks run once, before any step.
"""
import warnings

import numpy as np
import pytest
import torch

import torchkeras as keras

N, D, C = 16, 4, 3


def _data(seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(N, D)).astype("float32"), rng.integers(0, C, size=N)


def _model(kind="sequential", loss="sparse_categorical_crossentropy", metrics=("accuracy",)):
    if kind == "sequential":
        model = keras.Sequential([keras.Input((D,), name="feats"), keras.layers.Dense(C, activation="softmax")])
    elif kind == "functional":
        inputs = keras.Input((D,), name="feats")
        model = keras.Model(inputs, keras.layers.Dense(C, activation="softmax")(inputs))
    else:
        class Net(keras.Model):
            def __init__(self):
                super().__init__()
                self.dense = keras.layers.Dense(C, activation="softmax")

            def call(self, x):
                return self.dense(x)

        model = Net()
    model.compile(keras.optimizers.Adam(0.01), loss, metrics=list(metrics))
    x, y = _data(1)
    model.train_on_batch(x, y % C)  # built, with optimizer state that must survive a refused call
    return model


def _state(model):
    return [v.detach().cpu().clone() for v in list(model.weights) + list(model.optimizer.variables)]


def _assert_refused(model, call, exc, fragment):
    before = _state(model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(exc) as info:
            call(model)
    assert fragment in str(info.value), str(info.value)
    after = _state(model)
    assert len(before) == len(after)
    for b, a in zip(before, after):
        assert torch.equal(b, a)
    return info.value


class Batches(keras.utils.PyDataset):
    def __init__(self, batches):
        super().__init__()
        self.batches = batches

    def __len__(self):
        return len(self.batches)

    def __getitem__(self, index):
        return self.batches[index]


def _gen(batches):
    yield from batches


def _loader(*arrays, batch_size=8, **kwargs):
    return torch.utils.data.DataLoader(torch.utils.data.TensorDataset(*[torch.as_tensor(a) for a in arrays]),
                                       batch_size=batch_size, **kwargs)


X, Y = _data()

# --- 11. arguments ----------------------------------------------------------------------------------------------
_POSITIVE = "should be a positive integer value"
ARGUMENT_CASES = [
    # batch_size: Keras's own message (torch's BatchSampler wording, which Keras on torch shows)
    *[("fit", {"batch_size": v}, ValueError, f"batch_size should be a positive integer value, but got batch_size={v!r}")
      for v in (0, -1, 1.5, "32", True, [8], 2.0)],
    *[(m, {"batch_size": v}, ValueError, _POSITIVE) for m in ("evaluate", "predict") for v in (0, -3, 2.5, "8")],
    *[("fit", {"epochs": v}, ValueError, "epochs should be a non-negative integer value")
      for v in (-1, 1.5, "2", None, True, 2.0)],
    ("fit", {"epochs": 2, "initial_epoch": 3}, ValueError, "initial_epoch should not be larger than epochs"),
    *[("fit", {"initial_epoch": v}, ValueError, "initial_epoch should be a non-negative integer value")
      for v in (-1, 0.5, "1")],
    *[("fit", {"steps_per_epoch": v}, ValueError, "steps_per_epoch should be a positive integer value")
      for v in (0, -1, 1.5, "2", False)],
    *[("fit", {"validation_steps": v, "validation_split": 0.25}, ValueError,
       "validation_steps should be a positive integer value") for v in (0, -2, 0.5)],
    *[(m, {"steps": v}, ValueError, "steps should be a positive integer value")
      for m in ("evaluate", "predict") for v in (0, -1, 1.5)],
    *[("fit", {"validation_batch_size": v, "validation_split": 0.25}, ValueError,
       "validation_batch_size should be a positive integer value") for v in (0, -4)],
    *[("fit", {"validation_split": v}, ValueError, "validation_split should be a float in [0, 1)")
      for v in (1.0, 1.5, -0.1, "0.2", True, [0.2], float("nan"))],
    ("fit", {"validation_freq": "a"}, ValueError, "Expected `validation_freq` to be a list or int"),
    *[("fit", {"validation_freq": v}, ValueError, "validation_freq should be a positive integer value")
      for v in (0, -1, [0, 1], [1.5])],
    *[(m, {"class_weight": v}, ValueError,
       "Expected `class_weight` to be a dict with keys from 0 to one less than the number of classes")
      for m in ("fit", "train_on_batch") for v in ([1, 2, 3], "balanced", (1.0, 2.0), {"a": 1}, {-1: 1.0},
                                                   {0.5: 1.0})],
    *[(m, {"class_weight": v}, ValueError, "class_weight values should be finite numbers")
      for m in ("fit", "train_on_batch") for v in ({0: "a"}, {0: None}, {0: float("inf")}, {0: [1.0]})],
    *[(m, {"callbacks": v}, TypeError, "callbacks should be a list of `keras.callbacks.Callback` instances")
      for m in ("fit", "evaluate", "predict") for v in ([1], "cb", [keras.callbacks.History], [None],
                                                      [[keras.callbacks.History(), object()]], 3)],
    *[(m, {"verbose": v}, ValueError, 'verbose should be "auto", 0, 1 or 2')
      for m in ("fit", "evaluate", "predict") for v in (5, -1, "x", None, 2.0, "silent")],
    *[("fit", {"shuffle": v}, ValueError, 'shuffle should be True, False or "batch"') for v in ("x", 2, 0.5)],
    ("fit", {"validation_data": (X, Y, None, None)}, ValueError, "validation_data should be a tuple"),
]


def _call(method, kwargs):
    def call(model):
        if method == "predict":
            return model.predict(X, **{"verbose": 0, **kwargs})
        if method in ("train_on_batch", "test_on_batch"):
            return getattr(model, method)(X, Y, **kwargs)
        return getattr(model, method)(X, Y, **{"verbose": 0, **kwargs})

    return call


@pytest.mark.parametrize("method,kwargs,exc,fragment", ARGUMENT_CASES,
                         ids=[f"{c[0]}-{sorted(c[1].items())!r}"[:60] for c in ARGUMENT_CASES])
def test_bad_arguments_are_refused_before_any_work(method, kwargs, exc, fragment):
    _assert_refused(_model(), _call(method, kwargs), exc, fragment)


ACCEPTED_ARGUMENTS = [
    ("fit", {"batch_size": np.int64(4)}), ("fit", {"epochs": np.int32(1)}), ("fit", {"epochs": 0}),
    ("fit", {"epochs": 2, "initial_epoch": 2}), ("fit", {"verbose": True}), ("fit", {"verbose": False}),
    ("fit", {"verbose": np.int64(0)}), ("fit", {"callbacks": keras.callbacks.History()}),
    ("fit", {"callbacks": (keras.callbacks.History(),)}), ("fit", {"class_weight": {0: 1, 1: 2.0, "2": 0.5}}),
    ("fit", {"class_weight": {np.int64(0): np.float32(2.0)}}), ("fit", {"validation_split": 0}),
    ("fit", {"validation_split": np.float32(0.25)}), ("fit", {"validation_freq": [1, 3], "validation_split": 0.25}),
    ("fit", {"shuffle": "batch"}), ("fit", {"shuffle": np.bool_(False)}), ("fit", {"steps_per_epoch": 1}),
    ("evaluate", {"steps": 1}), ("predict", {"batch_size": 5, "verbose": "auto"}),
    ("train_on_batch", {"class_weight": {0: 2.0}}),
]


@pytest.mark.parametrize("method,kwargs", ACCEPTED_ARGUMENTS,
                         ids=[f"{c[0]}-{sorted(c[1].items())!r}"[:60] for c in ACCEPTED_ARGUMENTS])
def test_valid_arguments_still_work(method, kwargs, capsys):
    model = _model()
    _call(method, {k: v for k, v in kwargs.items()})(model)


def test_duck_typed_keras2_callback_is_accepted():
    class Logger:  # a callback from another base class, as Keras 2 code sometimes passes
        def __init__(self):
            self.epochs = []

        def set_model(self, model):
            self.model = model

        def set_params(self, params):
            self.params = params

        def __getattr__(self, name):
            if name.startswith("on_"):
                return lambda *args, **kwargs: self.epochs.append(name)
            raise AttributeError(name)

    logger = Logger()
    _model().fit(X, Y, epochs=1, verbose=0, callbacks=[logger])
    assert "on_epoch_end" in logger.epochs


# --- 12. empty data, and a list of inputs given to a single-input model ---------------------------------------
E_X, E_Y = X[:0], Y[:0]
EMPTY_CASES = [
    ("fit-arrays", lambda m: m.fit(E_X, E_Y, verbose=0), "Expected at least one sample in `x`"),
    ("fit-x-only-empty", lambda m: m.fit(E_X, Y, verbose=0), "Data cardinality is ambiguous"),
    ("evaluate-arrays", lambda m: m.evaluate(E_X, E_Y, verbose=0), "Expected at least one sample in `x`"),
    ("predict-arrays", lambda m: m.predict(E_X, verbose=0), "Expected at least one sample in `x`"),
    ("predict-dict", lambda m: m.predict({"feats": E_X}, verbose=0), "Expected at least one sample in `x`"),
    ("train_on_batch", lambda m: m.train_on_batch(E_X, E_Y), "Expected at least one sample in `x`"),
    ("test_on_batch", lambda m: m.test_on_batch(E_X, E_Y), "Expected at least one sample in `x`"),
    ("predict_on_batch", lambda m: m.predict_on_batch(E_X), "Expected at least one sample in `x`"),
    ("fit-torch-tensors", lambda m: m.fit(torch.zeros(0, D), torch.zeros(0), verbose=0),
     "Expected at least one sample in `x`"),
    ("fit-pydataset", lambda m: m.fit(Batches([]), verbose=0), "has no batches"),
    ("evaluate-pydataset", lambda m: m.evaluate(Batches([]), verbose=0), "has no batches"),
    ("predict-pydataset", lambda m: m.predict(Batches([]), verbose=0), "has no batches"),
    ("fit-generator", lambda m: m.fit(_gen([]), verbose=0), "the generator must yield at least one batch"),
    ("evaluate-generator", lambda m: m.evaluate(_gen([]), verbose=0), "the generator must yield at least one"),
    ("predict-generator", lambda m: m.predict(_gen([]), verbose=0), "the generator must yield at least one"),
    ("fit-iterable", lambda m: m.fit(iter([]), verbose=0), "must yield at least one batch"),
    ("fit-generator-empty-batches", lambda m: m.fit(_gen([(E_X, E_Y)] * 3), verbose=0),
     "`x` yielded a batch with 0 samples"),
    ("fit-pydataset-empty-batch", lambda m: m.fit(Batches([(E_X, E_Y)]), verbose=0),
     "`x` yielded a batch with 0 samples"),
    ("fit-dataloader", lambda m: m.fit(_loader(E_X, E_Y), verbose=0), "yields no batches"),
    ("fit-dataloader-drop-last", lambda m: m.fit(_loader(X[:3], Y[:3], drop_last=True), verbose=0),
     "yields no batches"),
    ("evaluate-dataloader", lambda m: m.evaluate(_loader(E_X, E_Y), verbose=0), "yields no batches"),
    ("fit-dataset", lambda m: m.fit(torch.utils.data.TensorDataset(torch.zeros(0, D), torch.zeros(0)), verbose=0),
     "is empty (0 samples)"),
    ("fit-validation-arrays", lambda m: m.fit(X, Y, validation_data=(E_X, E_Y), verbose=0),
     "Expected at least one sample in `validation_data`"),
    ("fit-validation-generator", lambda m: m.fit(X, Y, validation_data=_gen([]), verbose=0),
     "Received an empty generator as `validation_data`"),
    ("fit-validation-pydataset", lambda m: m.fit(X, Y, validation_data=Batches([]), verbose=0),
     "passed as `validation_data` has no batches"),
    ("fit-validation-dataloader", lambda m: m.fit(X, Y, validation_data=_loader(E_X, E_Y), verbose=0),
     "The DataLoader passed as `validation_data` yields no batches"),
    ("fit-validation-split-too-small", lambda m: m.fit(X[:1], Y[:1], validation_split=0.5, verbose=0),
     "not sufficient to split it"),
]


@pytest.mark.parametrize("call,fragment", [c[1:] for c in EMPTY_CASES], ids=[c[0] for c in EMPTY_CASES])
def test_empty_data_is_refused(call, fragment):
    _assert_refused(_model(), call, ValueError, fragment)


def _two_input_model():
    a, b = keras.Input((D,), name="a"), keras.Input((2,), name="b")
    out = keras.layers.Dense(C, activation="softmax")(keras.layers.Concatenate()([a, b]))
    model = keras.Model([a, b], out)
    model.compile("adam", "sparse_categorical_crossentropy")
    model.train_on_batch([X, X[:, :2]], Y)
    return model


LIST_CASES = [
    ("fit", lambda m: m.fit([X, X], Y, verbose=0)),
    ("fit-tuple", lambda m: m.fit((X, X), Y, verbose=0)),
    ("fit-three", lambda m: m.fit([X, X, X], Y, verbose=0)),
    ("evaluate", lambda m: m.evaluate([X, X], Y, verbose=0)),
    ("predict", lambda m: m.predict([X, X], verbose=0)),
    ("train_on_batch", lambda m: m.train_on_batch([X, X], Y)),
    ("test_on_batch", lambda m: m.test_on_batch([X, X], Y)),
    ("predict_on_batch", lambda m: m.predict_on_batch([X, X])),
    ("generator", lambda m: m.fit(_gen([([X, X], Y)]), verbose=0)),
    ("pydataset", lambda m: m.fit(Batches([([X, X], Y)]), verbose=0)),
    ("validation_data", lambda m: m.fit(X, Y, validation_data=([X, X], Y), verbose=0)),
]


@pytest.mark.parametrize("kind", ["sequential", "functional"])
@pytest.mark.parametrize("call", [c[1] for c in LIST_CASES], ids=[c[0] for c in LIST_CASES])
def test_list_of_inputs_to_a_single_input_model_is_refused(call, kind):
    _assert_refused(_model(kind), call, ValueError, "expects 1 input(s), but it received")


def test_too_many_inputs_for_a_two_input_model():
    _assert_refused(_two_input_model(), lambda m: m.fit([X, X[:, :2], X], Y, verbose=0), ValueError,
                    "expects 2 input(s), but it received 3 input tensors")


def test_a_list_of_one_array_still_feeds_a_single_input_model():
    model = _model()
    model.fit([X], Y, verbose=0)
    assert model.predict([X], verbose=0).shape == (N, C)


# --- 13. the same input checks for every data source ----------------------------------------------------------
def _sources(x_bad, y=Y):
    """Each way of handing `x_bad` to fit (and evaluate/predict) that must be checked before any step."""
    x_t = torch.as_tensor(x_bad) if x_bad.dtype.kind in "biufc" else None
    cases = {
        "fit-arrays": lambda m: m.fit(x_bad, y, verbose=0),
        "evaluate-arrays": lambda m: m.evaluate(x_bad, y, verbose=0),
        "predict-arrays": lambda m: m.predict(x_bad, verbose=0),
        "train_on_batch": lambda m: m.train_on_batch(x_bad, y),
        "predict_on_batch": lambda m: m.predict_on_batch(x_bad),
        "fit-validation_data": lambda m: m.fit(X, Y, validation_data=(x_bad, y), verbose=0),
        "fit-validation_data-generator": lambda m: m.fit(X, Y, validation_data=_gen([(x_bad, y)]), verbose=0),
        "fit-generator": lambda m: m.fit(_gen([(X, Y), (x_bad, y)][1:] * 2), verbose=0),
        "fit-pydataset": lambda m: m.fit(Batches([(x_bad, y)] * 2), verbose=0),
        "predict-pydataset": lambda m: m.predict(Batches([(x_bad,)]), verbose=0),
        "fit-validation-pydataset": lambda m: m.fit(X, Y, validation_data=Batches([(x_bad, y)]), verbose=0),
    }
    if x_t is not None:
        cases.update({
            "fit-dataloader": lambda m: m.fit(_loader(x_t, y), verbose=0),
            "fit-dataset": lambda m: m.fit(torch.utils.data.TensorDataset(x_t, torch.as_tensor(y)), verbose=0),
            "fit-validation-dataloader": lambda m: m.fit(X, Y, validation_data=_loader(x_t, y), verbose=0),
            "predict-dataloader": lambda m: m.predict(_loader(x_t), verbose=0),
        })
    return cases


BAD_INPUTS = {
    "narrow": (X[:, :3], ValueError, "expected axis -1 of input shape to have value 4"),
    "wide": (np.concatenate([X, X], 1), ValueError, "expected axis -1 of input shape to have value 4"),
    "rank-1": (X[:, 0], ValueError, "model's input 'feats'"),
    "rank-3": (np.stack([X, X], -1), ValueError, "model's input 'feats'"),
    "strings": (X.astype(str), TypeError, "Input 'feats' of model"),
    "bytes": (X.astype("S8"), TypeError, "Input 'feats' of model"),
    "objects": (X.astype(object), TypeError, "Input 'feats' of model"),
    "complex": (X.astype(np.complex64), TypeError, "Input 'feats' of model"),
    "datetime": (np.zeros((N, D), dtype="datetime64[s]"), TypeError, "Input 'feats' of model"),
}
INPUT_CASES = [(f"{bad}-{source}", bad, source) for bad, spec in BAD_INPUTS.items()
               for source in _sources(spec[0])]


@pytest.mark.parametrize("kind", ["sequential", "functional"])
@pytest.mark.parametrize("bad,source", [c[1:] for c in INPUT_CASES], ids=[c[0] for c in INPUT_CASES])
def test_every_data_source_is_checked_against_the_declared_inputs(bad, source, kind):
    x_bad, exc, fragment = BAD_INPUTS[bad]
    error = _assert_refused(_model(kind), _sources(x_bad)[source], exc, fragment)
    assert "mat1 and mat2" not in str(error)
    if "validation" in source:
        assert "validation_data" in str(error)


TARGET_CASES = [
    ("y-strings", lambda m: m.fit(X, Y.astype(str), verbose=0), "`y` must be numeric"),
    ("y-objects", lambda m: m.fit(X, np.array([[1]] * N, dtype=object), verbose=0), "`y` must be numeric"),
    ("y-complex", lambda m: m.fit(X, Y.astype(np.complex64), verbose=0), "`y` must be numeric"),
    ("sample-weight-strings", lambda m: m.fit(X, Y, sample_weight=np.array(["1"] * N), verbose=0),
     "`sample_weight` must be numeric"),
    ("validation-y-strings", lambda m: m.fit(X, Y, validation_data=(X, Y.astype(str)), verbose=0),
     "targets in `validation_data` must be numeric"),
    ("generator-y-strings", lambda m: m.fit(_gen([(X, Y.astype(str))]), verbose=0), "`y` must be numeric"),
    ("train_on_batch-y-strings", lambda m: m.train_on_batch(X, Y.astype(str)), "`y` must be numeric"),
    ("evaluate-y-strings", lambda m: m.evaluate(X, Y.astype(str), verbose=0), "`y` must be numeric"),
]


@pytest.mark.parametrize("call,fragment", [c[1:] for c in TARGET_CASES], ids=[c[0] for c in TARGET_CASES])
def test_non_numeric_targets_give_a_clear_type_error(call, fragment):
    _assert_refused(_model(), call, TypeError, fragment)


def test_validation_data_without_targets_is_refused_before_training():
    _assert_refused(_model(), lambda m: m.fit(X, Y, validation_data=X, verbose=0), ValueError,
                    "has no targets")


def test_string_inputs_still_reach_a_declared_string_input():
    inputs = keras.Input((1,), dtype="string", name="text")
    ids = keras.layers.StringLookup(vocabulary=["a", "b", "c"])(inputs)
    hidden = keras.layers.Flatten()(keras.layers.Embedding(4, 2)(ids))
    model = keras.Model(inputs, keras.layers.Dense(C, activation="softmax")(hidden))
    model.compile("adam", "sparse_categorical_crossentropy")
    text = np.array([["a"], ["b"], ["c"], ["a"]])
    model.fit(text, np.array([0, 1, 2, 0]), verbose=0)
    assert model.predict(text, verbose=0).shape == (4, C)


def test_subclassed_model_wrong_width_names_the_layer():
    _assert_refused(_model("subclassed"), lambda m: m.fit(Batches([(X[:, :3], Y)]), verbose=0), ValueError,
                    "expected axis -1 of input shape to have value 4")


# --- 14. sparse labels ------------------------------------------------------------------------------------------
def _labels(kind):
    y = Y.copy()
    if kind == "too-large":
        y[N - 3] = C
    elif kind == "much-too-large":
        y[5] = 10**6
    elif kind == "negative":
        y[N - 1] = -1
    elif kind == "fractional":
        y = y.astype("float32")
        y[7] = 1.5
    elif kind == "nan":
        y = y.astype("float32")
        y[N - 2] = np.nan
    elif kind == "column":
        y = y.reshape(N, 1).copy()
        y[N - 3, 0] = C + 2
    return y


LABEL_KINDS = {"too-large": (IndexError, "is out of bounds"), "much-too-large": (IndexError, "is out of bounds"),
               "negative": (IndexError, "Target -1 is out of bounds"),
               "fractional": (ValueError, "must be whole numbers"), "nan": (ValueError, "received the label nan"),
               "column": (IndexError, f"Target {C + 2} is out of bounds")}
def _no_label_loss(y_true, y_pred):
    """A loss that does not read the labels: the metrics' own label checks are what is tested."""
    return torch.mean(y_pred * 0.0, dim=-1)


COMPILES = {
    "loss": ("sparse_categorical_crossentropy", ()),
    "loss-object-logits": (lambda: keras.losses.SparseCategoricalCrossentropy(from_logits=True), ()),
    "crossentropy-alias": ("crossentropy", ()),
    "metric-accuracy": (_no_label_loss, ("sparse_categorical_accuracy",)),
    "metric-top-k": (_no_label_loss, (lambda: keras.metrics.SparseTopKCategoricalAccuracy(k=2),)),
    "metric-crossentropy": (_no_label_loss, ("sparse_categorical_crossentropy",)),
}


def _label_calls(y):
    return {
        "fit-arrays": lambda m: m.fit(X, y, batch_size=4, verbose=0),  # the bad label is in a later batch
        "fit-torch": lambda m: m.fit(torch.as_tensor(X), torch.as_tensor(y), batch_size=4, verbose=0),
        "evaluate": lambda m: m.evaluate(X, y, batch_size=4, verbose=0),
        "train_on_batch": lambda m: m.train_on_batch(X, y),
        "test_on_batch": lambda m: m.test_on_batch(X, y),
        "validation_data": lambda m: m.fit(X, Y, validation_data=(X, y), verbose=0),
        "generator": lambda m: m.fit(_gen([(X, y)]), verbose=0),
        "pydataset": lambda m: m.fit(Batches([(X, y)]), verbose=0),
        "dataloader": lambda m: m.fit(_loader(X, y, batch_size=N), verbose=0),
    }


LABEL_CASES = [(f"{kind}-{compile_}-{call}", kind, compile_, call) for kind in LABEL_KINDS for compile_ in COMPILES
               for call in _label_calls(Y)
               if not (compile_.startswith("metric") and call in ("train_on_batch", "test_on_batch"))
               and not (compile_ == "loss-object-logits" and call not in ("fit-arrays", "validation_data"))]


@pytest.mark.parametrize("kind,compile_,call", [c[1:] for c in LABEL_CASES], ids=[c[0] for c in LABEL_CASES])
def test_sparse_labels_out_of_range_or_fractional_are_refused(kind, compile_, call):
    loss, metrics = COMPILES[compile_]
    fresh = [m() if callable(m) and m.__name__ == "<lambda>" else m for m in (loss,) + tuple(metrics)]
    model = _model("sequential", loss=fresh[0], metrics=fresh[1:])
    exc, fragment = LABEL_KINDS[kind]
    _assert_refused(model, _label_calls(_labels(kind))[call], exc, fragment)


@pytest.mark.parametrize("kind", ["too-large", "fractional"])
def test_subclassed_model_labels_are_checked_in_every_fit(kind):
    model = _model("subclassed")
    exc, fragment = LABEL_KINDS[kind]
    for _ in range(2):  # the first fit after build and a later one
        _assert_refused(model, lambda m: m.fit(X, _labels(kind), batch_size=4, verbose=0), exc, fragment)
        model.fit(X, Y, verbose=0)


def test_the_loss_of_an_output_and_its_metrics_share_ignore_class():
    model = _model(loss=keras.losses.SparseCategoricalCrossentropy(ignore_class=-1), metrics=("accuracy",))
    y = Y.copy()
    y[::4] = -1
    model.fit(X, y, verbose=0)  # -1 is padding for the loss, and counts as a miss for accuracy (like Keras)
    y[1] = -2
    _assert_refused(model, lambda m: m.fit(X, y, verbose=0), IndexError, "Target -2 is out of bounds")


def test_the_error_names_the_output_and_the_metric():
    inputs = keras.Input((D,), name="feats")
    model = keras.Model(inputs, {"a": keras.layers.Dense(3, activation="softmax", name="a")(inputs),
                                 "b": keras.layers.Dense(5, activation="softmax", name="b")(inputs)})
    model.compile("adam", {"a": "sparse_categorical_crossentropy", "b": _no_label_loss},
                  metrics={"b": ["sparse_categorical_accuracy"]})
    y5 = np.random.default_rng(2).integers(0, 5, size=N)
    model.fit(X, {"a": Y, "b": y5}, verbose=0)
    error = _assert_refused(model, lambda m: m.fit(X, {"a": Y, "b": y5 + 1}, verbose=0), IndexError,
                            "[0, 5)")
    assert "metric 'sparse_categorical_accuracy' of the output 'b'" in str(error)


def test_labels_are_checked_once_per_call_not_per_batch(monkeypatch):
    from torchkeras.losses import label_checks

    calls = []
    original = label_checks.check_class_labels
    monkeypatch.setattr(label_checks, "check_class_labels", lambda *a, **k: (calls.append(1), original(*a, **k)))
    model = _model()
    calls.clear()
    x, y = np.tile(X, (8, 1)), np.tile(Y, 8)  # 32 batches of 4
    model.fit(x, y, batch_size=4, epochs=2, validation_data=(x, y), verbose=0)
    # training labels once (loss + accuracy), validation labels once (loss + accuracy): not 128 times
    assert len(calls) <= 4, len(calls)


# --- the first batch is read once: checking it costs no extra read ---------------------------------------------
class Counting(torch.utils.data.Dataset):
    def __init__(self):
        self.reads = 0

    def __len__(self):
        return N

    def __getitem__(self, index):
        self.reads += 1
        return torch.as_tensor(X[index]), torch.as_tensor(Y[index])


class CountingBatches(Batches):
    def __init__(self, batches):
        super().__init__(batches)
        self.reads = []

    def __getitem__(self, index):
        self.reads.append(index)
        return super().__getitem__(index)


def test_peeked_first_batches_are_delivered_by_the_first_epoch():
    model = _model()
    dataset = Counting()
    model.fit(torch.utils.data.DataLoader(dataset, batch_size=4), epochs=2, verbose=0)
    assert dataset.reads == 2 * N
    batches = CountingBatches([(X[i:i + 4], Y[i:i + 4]) for i in range(0, N, 4)])
    model.fit(batches, epochs=2, shuffle=False, verbose=0)
    assert batches.reads == [0, 1, 2, 3] * 2
    seen = []

    def generator():
        for i in range(0, N, 4):
            seen.append(i)
            yield X[i:i + 4], Y[i:i + 4]

    history = model.fit(generator(), verbose=0, callbacks=[keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: seen.append(f"step {batch}"))])
    assert seen == [0, "step 0", 4, "step 1", 8, "step 2", 12, "step 3"]
    assert len(history.history["loss"]) == 1
