"""`keras.distillation.LogitsDistillation` / `FeatureDistillation` / `DistillationLoss`: the losses, their
checks and their configs."""
import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras.distillation import DistillationLoss, FeatureDistillation, LogitsDistillation


def _np(x):
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


def _softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _kl(p, q):
    p, q = np.clip(p, 1e-7, 1), np.clip(q, 1e-7, 1)
    return (p * np.log(p / q)).sum(-1)


TEACHER = np.random.default_rng(0).normal(size=(6, 5)).astype("float32")
STUDENT = np.random.default_rng(1).normal(size=(6, 5)).astype("float32")


def test_logits_distillation_default_compares_scaled_logits_with_the_kl_function():
    loss = LogitsDistillation(temperature=2.0)
    assert loss.loss is keras.losses.kl_divergence  # the string identifier becomes the function
    value = loss.compute_loss(torch.tensor(TEACHER), torch.tensor(STUDENT))
    assert tuple(value.shape) == ()
    expected = _kl(TEACHER / 2.0, STUDENT / 2.0).mean()  # the function takes the scaled logits as they are
    np.testing.assert_allclose(_np(value), expected, rtol=1e-5)


def test_logits_distillation_with_a_kl_instance_uses_softmax_and_temperature_squared():
    loss = LogitsDistillation(temperature=3.0, loss=keras.losses.KLDivergence())
    value = loss.compute_loss(torch.tensor(TEACHER), torch.tensor(STUDENT))
    expected = _kl(_softmax(TEACHER / 3.0), _softmax(STUDENT / 3.0)).mean() * 9.0
    np.testing.assert_allclose(_np(value), expected, rtol=1e-5)


def test_logits_distillation_multi_output_skips_none():
    loss = LogitsDistillation(temperature=1.0, loss=["mse", None])
    t, s = torch.tensor(TEACHER), torch.tensor(STUDENT)
    value = loss.compute_loss([t, t * 100], [s, s])
    np.testing.assert_allclose(_np(value), ((TEACHER - STUDENT) ** 2).mean(), rtol=1e-5)


def test_logits_distillation_checks_its_arguments():
    with pytest.raises(ValueError, match="temperature must be positive"):
        LogitsDistillation(temperature=0)
    with pytest.raises(ValueError, match="temperature must be a number"):
        LogitsDistillation(temperature="3")
    with pytest.raises(ValueError, match="At least one loss must be non-`None`"):
        LogitsDistillation(loss=[None, None])
    with pytest.raises(ValueError, match="Unknown loss function: 'nope'|Could not interpret"):
        LogitsDistillation(loss="nope")


def test_feature_distillation_mean_of_each_loss_summed():
    loss = FeatureDistillation(loss=["mse", "mae"])
    t, s = torch.tensor(TEACHER), torch.tensor(STUDENT)
    value = loss.compute_loss([t, t], [s, s])
    expected = ((TEACHER - STUDENT) ** 2).mean() + np.abs(TEACHER - STUDENT).mean()
    np.testing.assert_allclose(_np(value), expected, rtol=1e-5)
    with pytest.raises(ValueError, match="must contain at least one non-`None` value"):
        FeatureDistillation(loss=None)


def test_feature_distillation_validates_structures_and_models():
    loss = FeatureDistillation(loss=["mse", "mse"])
    t = torch.tensor(TEACHER)
    with pytest.raises(ValueError, match="Loss structure mismatch"):
        loss.validate_outputs([t, t, t], [t, t, t])
    with pytest.raises(ValueError):
        DistillationLoss().validate_outputs([t, t], t)

    class Sub(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    functional = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="d")])
    named = FeatureDistillation(teacher_layer_name="d", student_layer_name="d")
    with pytest.raises(ValueError, match="The teacher model\\(s\\) appear to be subclassed"):
        named.validate_model_compatibility(Sub(), functional)
    with pytest.raises(ValueError, match="In student model: No such layer: missing"):
        FeatureDistillation(student_layer_name="missing").validate_model_compatibility(functional, functional)
    named.validate_model_compatibility(functional, functional)  # fine
    FeatureDistillation().validate_model_compatibility(Sub(), Sub())  # final outputs: any model


def test_custom_distillation_loss_must_implement_compute_loss():
    with pytest.raises(NotImplementedError):
        DistillationLoss().compute_loss(None, None)


def test_configs_round_trip():
    loss = LogitsDistillation(temperature=4.0, loss=keras.losses.CategoricalCrossentropy(from_logits=True))
    config = loss.get_config()
    assert config["temperature"] == 4.0
    assert config["loss"]["class_name"] == "CategoricalCrossentropy"
    restored = LogitsDistillation.from_config(config)
    assert restored.temperature == 4.0 and restored.loss.get_config() == loss.loss.get_config()

    feature = FeatureDistillation(loss=["mse", None], teacher_layer_name="a", student_layer_name="b")
    config = feature.get_config()
    assert config["loss"][0]["config"] == "mean_squared_error" and config["loss"][1] is None
    restored = FeatureDistillation.from_config(config)
    assert restored.loss == [keras.losses.mean_squared_error, None]
    assert (restored.teacher_layer_name, restored.student_layer_name) == ("a", "b")
    serialized = keras.saving.serialize_keras_object(feature)
    assert serialized["module"] == "keras.distillation" and serialized["class_name"] == "FeatureDistillation"
    assert isinstance(keras.saving.deserialize_keras_object(serialized), FeatureDistillation)
