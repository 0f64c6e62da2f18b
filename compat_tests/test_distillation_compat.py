"""keras.distillation side by side with real Keras 3: same teacher and student weights, same batches: same
losses, same trained student, and .keras files that load on the other side."""
import numpy as np
import pytest

import keras

import torchkeras

RNG = np.random.default_rng(0)
X = RNG.normal(size=(32, 4)).astype("float32")
Y = RNG.integers(0, 3, 32)


def _models(lib):
    teacher = lib.Sequential([lib.Input((4,)), lib.layers.Dense(8, activation="relu", name="h"),
                              lib.layers.Dense(3, name="logits")], name="teacher")
    student = lib.Sequential([lib.Input((4,)), lib.layers.Dense(8, activation="tanh", name="h"),
                              lib.layers.Dense(3, name="logits")], name="student")
    return teacher, student


def _losses(lib, kind):
    d = lib.distillation
    if kind == "logits":
        return d.LogitsDistillation(temperature=3.0), None
    if kind == "features":
        return d.FeatureDistillation(loss="mse", teacher_layer_name="h", student_layer_name="h"), None
    return [d.LogitsDistillation(temperature=2.0, loss="kl_divergence"),
            d.FeatureDistillation(loss="cosine_similarity", teacher_layer_name="h", student_layer_name="h")], [0.7, 0.3]


def _pair(kind):
    out = {}
    for lib in (keras, torchkeras):
        teacher, student = _models(lib)
        losses, weights = _losses(lib, kind)
        out[lib.__name__] = (teacher, student, losses, weights)
    for i in (0, 1):  # teacher, student weights from Keras
        out["torchkeras"][i].set_weights(out["keras"][i].get_weights())
    return {name: lib.distillation.Distiller(t, s, losses, distillation_loss_weights=w, student_loss_weight=0.3)
            for (name, (t, s, losses, w)), lib in zip(out.items(), (keras, torchkeras))}


@pytest.mark.parametrize("kind", ["logits", "features", "both"])
def test_training_matches_keras(kind):
    distillers = _pair(kind)
    histories = {}
    for name, lib in (("keras", keras), ("torchkeras", torchkeras)):
        d = distillers[name]
        d.compile(optimizer=lib.optimizers.SGD(0.01), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        histories[name] = d.fit(X, Y, batch_size=8, epochs=2, shuffle=False, verbose=0).history
    assert sorted(histories["torchkeras"]) == sorted(histories["keras"])
    for key in histories["keras"]:
        np.testing.assert_allclose(histories["torchkeras"][key], histories["keras"][key], rtol=1e-5, atol=1e-6)
    # 8 SGD steps at lr 0.01 carry float32 rounding of the softened-logit gradients (~1e-7) into the weights
    for a, b in zip(distillers["torchkeras"].student.get_weights(), distillers["keras"].student.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    for a, b in zip(distillers["torchkeras"].teacher.get_weights(), distillers["keras"].teacher.get_weights()):
        np.testing.assert_array_equal(a, b)  # frozen


@pytest.mark.parametrize("direction", ["keras->torchkeras", "torchkeras->keras"])
def test_keras_files_load_on_the_other_side(direction, tmp_path):
    distillers = _pair("both")
    source, target = direction.split("->")
    libs = {"keras": keras, "torchkeras": torchkeras}
    d = distillers[source]
    path = str(tmp_path / "d.keras")
    d.save(path)
    loaded = libs[target].models.load_model(path)
    expected = np.asarray(d.predict(X, verbose=0))
    np.testing.assert_allclose(np.asarray(loaded.predict(X, verbose=0)), expected, rtol=1e-5, atol=1e-6)
    assert type(loaded).__name__ == "Distiller"
    assert loaded.student_loss_weight == 0.3 and list(loaded.distillation_loss_weights) == [0.7, 0.3]
