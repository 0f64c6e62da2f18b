"""`keras.distillation.Distiller`: construction checks, the combined loss, training only the student, metrics,
configs and files."""
import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras.distillation import Distiller, FeatureDistillation, LogitsDistillation


def _models(units=8, classes=3, seed=0):
    keras.utils.set_random_seed(seed)
    teacher = keras.Sequential([keras.Input((4,)), keras.layers.Dense(units, activation="relu", name="h"),
                                keras.layers.Dense(classes, name="logits")], name="teacher")
    student = keras.Sequential([keras.Input((4,)), keras.layers.Dense(units, name="h"),
                                keras.layers.Dense(classes, name="logits")], name="student")
    return teacher, student


def _data(n=32, classes=3):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, 4)).astype("float32"), rng.integers(0, classes, n)


def test_construction_freezes_the_teacher_and_normalizes_losses():
    teacher, student = _models()
    distiller = Distiller(teacher, student, LogitsDistillation(temperature=2.0))
    assert not teacher.trainable and student.trainable
    assert distiller.name == "distiller"
    assert len(distiller.distillation_losses) == 1 and distiller.distillation_loss_weights == [1.0]
    assert distiller.student_loss_weight == 0.5
    assert [id(w) for w in distiller.trainable_weights] == [id(w) for w in student.trainable_weights]
    x, _ = _data()
    torch.testing.assert_close(distiller(torch.tensor(x)), student(torch.tensor(x)))

    multi = Distiller(teacher, student, [LogitsDistillation(), FeatureDistillation(teacher_layer_name="h",
                                                                                    student_layer_name="h")])
    assert multi.distillation_loss_weights == [1.0, 1.0]
    assert [layer.name for layer in multi.layers] == [
        "teacher", "student", "teacher_multi_feature_extractor", "student_multi_feature_extractor"]


def test_construction_errors():
    teacher, student = _models()
    with pytest.raises(ValueError, match="Teacher must be a keras.Model"):
        Distiller(keras.layers.Dense(3), student, LogitsDistillation())
    with pytest.raises(ValueError, match="Student must be a keras.Model"):
        Distiller(teacher, "student", LogitsDistillation())
    wide = keras.Sequential([keras.Input((5,)), keras.layers.Dense(3)])
    with pytest.raises(ValueError, match="Teacher and student input shapes are incompatible"):
        Distiller(teacher, wide, LogitsDistillation())
    with pytest.raises(ValueError, match="student_loss_weight must be between 0.0 and 1.0, got 1.5"):
        Distiller(teacher, student, LogitsDistillation(), student_loss_weight=1.5)
    with pytest.raises(ValueError, match="student_loss_weight must be a number"):
        Distiller(teacher, student, LogitsDistillation(), student_loss_weight="0.5")
    with pytest.raises(ValueError, match="'distillation_losses' cannot be `None`"):
        Distiller(teacher, student, None)
    with pytest.raises(ValueError, match=r"Number of distillation_loss_weights \(1\) must match"):
        Distiller(teacher, student, [LogitsDistillation(), LogitsDistillation()], distillation_loss_weights=[1.0])
    with pytest.raises(ValueError, match="In teacher model: No such layer: nope"):
        Distiller(teacher, student, FeatureDistillation(teacher_layer_name="nope"))
    distiller = Distiller(teacher, student, LogitsDistillation())
    with pytest.raises(ValueError, match="'loss' cannot be `None`"):
        distiller.compile(optimizer="sgd")
    with pytest.raises(ValueError, match="metrics must be a list or tuple"):
        distiller.compile(optimizer="sgd", loss="mse", metrics="accuracy")


def test_compute_loss_combines_student_and_distillation_losses():
    teacher, student = _models()
    x, y = _data(8)
    xt, yt = torch.tensor(x), torch.tensor(y)
    logits = LogitsDistillation(temperature=2.0)
    features = FeatureDistillation(loss="mse", teacher_layer_name="h", student_layer_name="h")
    distiller = Distiller(teacher, student, [logits, features], distillation_loss_weights=[0.7, 0.3],
                          student_loss_weight=0.25)
    distiller.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    y_pred = distiller(xt, training=True)
    total = distiller.compute_loss(xt, yt, y_pred)

    t_logits, s_logits = teacher(xt), student(xt)
    student_loss = keras.losses.sparse_categorical_crossentropy(yt, s_logits).mean()
    hidden = lambda m: m.get_layer("h")(xt)  # noqa: E731
    distill = 0.7 * logits.compute_loss(t_logits, s_logits) + 0.3 * ((hidden(teacher) - hidden(student)) ** 2).mean()
    expected = 0.25 * student_loss + 0.75 * distill
    torch.testing.assert_close(total, expected, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(distiller.student_loss_tracker.result(), student_loss.detach(), rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(distiller.distillation_loss_tracker.result(), distill.detach(), rtol=1e-5,
                               atol=1e-6)
    # gradients reach the student only
    total.backward()
    assert all(w.grad is not None for w in student.trainable_weights)
    assert all(w.grad is None for w in teacher.weights)


def test_student_loss_weight_extremes():
    teacher, student = _models()
    x, y = _data(8)
    xt, yt = torch.tensor(x), torch.tensor(y)
    only_student = Distiller(teacher, student, LogitsDistillation(), student_loss_weight=1.0)
    only_student.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    torch.testing.assert_close(only_student.compute_loss(xt, yt, student(xt)),
                               keras.losses.sparse_categorical_crossentropy(yt, student(xt)).mean())
    only_teacher = Distiller(teacher, student, LogitsDistillation(), student_loss_weight=0.0)
    only_teacher.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    torch.testing.assert_close(only_teacher.compute_loss(xt, yt, student(xt)),
                               LogitsDistillation().compute_loss(teacher(xt), student(xt)))


def test_fit_trains_only_the_student_and_logs_the_loss_parts():
    teacher, student = _models()
    x, y = _data()
    teacher_before = [w.copy() for w in teacher.get_weights()]
    student_before = [w.copy() for w in student.get_weights()]
    distiller = Distiller(teacher, student, [LogitsDistillation(),
                                             FeatureDistillation(teacher_layer_name="h", student_layer_name="h")])
    distiller.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = distiller.fit(x, y, validation_data=(x, y), epochs=2, batch_size=8, verbose=0)
    for key in ("loss", "accuracy", "student_loss", "distillation_loss", "total_loss", "val_total_loss"):
        assert key in history.history and np.isfinite(history.history[key]).all()
    np.testing.assert_allclose(history.history["loss"], history.history["total_loss"], rtol=1e-6)
    for before, after in zip(teacher_before, teacher.get_weights()):
        np.testing.assert_array_equal(before, after)
    assert any(not np.array_equal(b, a) for b, a in zip(student_before, student.get_weights()))
    assert [m.name for m in distiller.metrics] == [
        "loss", "compile_metrics", "student_loss", "distillation_loss", "total_loss"]
    results = distiller.evaluate(x, y, verbose=0, return_dict=True)
    assert set(results) == {"loss", "accuracy", "student_loss", "distillation_loss", "total_loss"}
    assert distiller.predict(x, verbose=0).shape == (32, 3)


def test_subclassed_models_distill_their_final_outputs():
    class Net(keras.Model):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.hidden = keras.layers.Dense(units, activation="relu")
            self.out = keras.layers.Dense(3)

        def call(self, x):
            return self.out(self.hidden(x))

    x, y = _data()
    teacher, student = Net(16), Net(4)
    teacher(x[:1])
    distiller = Distiller(teacher, student, LogitsDistillation())
    distiller.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    history = distiller.fit(x, y, epochs=1, batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    with pytest.raises(ValueError, match="appear to be subclassed"):
        Distiller(teacher, student, FeatureDistillation(teacher_layer_name="dense"))


def test_config_round_trip_and_keras_file(tmp_path):
    teacher, student = _models()
    x, y = _data()
    distiller = Distiller(teacher, student, [LogitsDistillation(temperature=4.0),
                                             FeatureDistillation(teacher_layer_name="h", student_layer_name="h")],
                          distillation_loss_weights=[0.6, 0.4], student_loss_weight=0.7)
    distiller.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    distiller.fit(x, y, epochs=1, batch_size=8, verbose=0)

    config = distiller.get_config()
    for key in ("name", "teacher", "student", "distillation_losses", "distillation_loss_weights",
                "student_loss_weight"):
        assert key in config
    rebuilt = Distiller.from_config(config)
    assert rebuilt.student_loss_weight == 0.7 and rebuilt.distillation_loss_weights == [0.6, 0.4]
    assert rebuilt.distillation_losses[0].temperature == 4.0
    assert not rebuilt.teacher.trainable
    with pytest.warns(UserWarning, match="`compile\\(\\)` was not called"):  # its compile() is custom
        assert isinstance(keras.models.model_from_json(distiller.to_json()), Distiller)

    path = tmp_path / "distiller.keras"
    distiller.save(path)
    with pytest.warns(UserWarning, match="`compile\\(\\)` was not called as part of model loading"):
        loaded = keras.models.load_model(path)
    assert isinstance(loaded, Distiller) and not loaded.compiled
    for a, b in zip(loaded.weights, distiller.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_allclose(loaded.predict(x, verbose=0), distiller.predict(x, verbose=0), rtol=1e-6)
    loaded.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    loaded.fit(x, y, epochs=1, batch_size=8, verbose=0)

    weights = tmp_path / "distiller.weights.h5"
    distiller.save_weights(weights)
    fresh = Distiller(*_models(seed=1), [LogitsDistillation(temperature=4.0),
                                         FeatureDistillation(teacher_layer_name="h", student_layer_name="h")])
    fresh.load_weights(weights)
    for a, b in zip(fresh.weights, distiller.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
