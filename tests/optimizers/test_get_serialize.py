"""`keras.optimizers.get / serialize / deserialize`, Keras 2 configs, and config round trips."""
import pytest

import torchkeras.optimizers as optimizers
from torchkeras.saving import serialization_lib

NAMES = ["sgd", "adam", "rmsprop", "adamw", "adagrad", "adadelta", "adamax", "nadam", "ftrl", "lion", "adafactor",
         "lamb"]


@pytest.mark.parametrize("identifier", NAMES + ["Adam", "ADAM", "RMSprop", "SGD", "AdamW"])
def test_get_by_name_any_case(identifier):
    optimizer = optimizers.get(identifier)
    assert isinstance(optimizer, optimizers.Optimizer)
    assert type(optimizer).__name__.lower() == identifier.lower()
    assert optimizer.get_config() == type(optimizer)().get_config() | {"name": optimizer.name}


def test_get_passes_instances_and_none_through():
    optimizer = optimizers.SGD()
    assert optimizers.get(optimizer) is optimizer
    assert optimizers.get(None) is None


@pytest.mark.parametrize("identifier", ["adamx", 5, {"class_name": "Adamx", "config": {}}])
def test_get_unknown_identifier(identifier):
    with pytest.raises(ValueError) as info:
        optimizers.get(identifier)
    assert str(info.value) == f"Could not interpret optimizer identifier: {identifier}"


def test_serialize_writes_the_portable_keras_form():
    config = optimizers.serialize(optimizers.Adam(learning_rate=0.01, name="opt"))
    assert config["module"] == "keras.optimizers"
    assert config["class_name"] == "Adam"
    assert config["registered_name"] is None
    assert config["config"]["learning_rate"] == 0.009999999776482582
    assert config["config"]["name"] == "opt"


@pytest.mark.parametrize("name", NAMES)
def test_config_round_trip(name):
    optimizer = optimizers.get(name)
    restored = optimizers.deserialize(optimizers.serialize(optimizer))
    assert type(restored) is type(optimizer)
    assert restored.get_config() == optimizer.get_config()
    assert type(optimizer).from_config(optimizer.get_config()).get_config() == optimizer.get_config()


def test_round_trip_with_options_and_schedule():
    schedule = optimizers.schedules.CosineDecay(0.1, 100, warmup_target=0.2, warmup_steps=10)
    optimizer = optimizers.SGD(learning_rate=schedule, momentum=0.9, nesterov=True, clipnorm=1.0, use_ema=True,
                               ema_overwrite_frequency=5, gradient_accumulation_steps=2, loss_scale_factor=8.0,
                               weight_decay=0.01)
    restored = optimizers.get(optimizers.serialize(optimizer))
    assert restored.get_config() == optimizer.get_config()
    assert isinstance(restored._learning_rate, optimizers.schedules.CosineDecay)


def test_keras2_new_optimizer_config():
    config = {"class_name": "Custom>Adam", "config": {
        "name": "Adam", "weight_decay": None, "clipnorm": None, "global_clipnorm": None, "clipvalue": None,
        "use_ema": False, "ema_momentum": 0.99, "ema_overwrite_frequency": None, "jit_compile": False,
        "is_legacy_optimizer": False, "learning_rate": 0.0010000000474974513, "beta_1": 0.9, "beta_2": 0.999,
        "epsilon": 1e-07, "amsgrad": False}}
    optimizer = optimizers.get(config)
    assert isinstance(optimizer, optimizers.Adam) and optimizer.name == "Adam"
    assert optimizer.get_config()["learning_rate"] == 0.0010000000474974513


def test_keras2_legacy_optimizer_config_with_lr_and_decay():
    config = {"class_name": "Adam", "config": {"name": "Adam", "lr": 0.002, "decay": 0.0, "beta_1": 0.8999999761581421,
                                               "beta_2": 0.9990000128746033, "epsilon": 1e-07, "amsgrad": False}}
    optimizer = optimizers.deserialize(config)  # `decay: 0.0` is Keras 2's default: no decay
    assert optimizer.decay == 0.0 and "decay" not in optimizer.get_config()
    assert optimizer.get_config()["learning_rate"] == pytest.approx(0.002)
    assert optimizer.beta_1 == 0.8999999761581421


def test_lowercase_class_name_in_dict():
    optimizer = optimizers.get({"class_name": "adam", "config": {"learning_rate": 0.5}})
    assert isinstance(optimizer, optimizers.Adam)
    assert optimizer.get_config()["learning_rate"] == 0.5


def test_registered_custom_optimizer_round_trip():
    @serialization_lib.register_keras_serializable(package="Test")
    class HalfSGD(optimizers.SGD):
        pass

    optimizer = HalfSGD(learning_rate=0.5)
    config = optimizers.serialize(optimizer)
    assert config["registered_name"] == "Test>HalfSGD"
    restored = optimizers.deserialize(config)
    assert type(restored) is HalfSGD
    restored = optimizers.deserialize({"class_name": "HalfSGD", "config": optimizer.get_config()},
                                      custom_objects={"HalfSGD": HalfSGD})
    assert type(restored) is HalfSGD


def test_public_names_are_exported():
    from torchkeras import api_export

    for name in ("SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam", "Ftrl", "Lion",
                 "Lamb", "Adafactor", "Optimizer", "get", "serialize", "deserialize"):
        assert api_export.get_exported(f"keras.optimizers.{name}") is getattr(optimizers, name)
    for name in ("Adam", "SGD", "RMSprop", "Adagrad", "Ftrl", "Optimizer"):
        assert api_export.get_exported(f"keras.optimizers.legacy.{name}") is getattr(optimizers, name)
    for name in ("AdamW", "Adam", "SGD", "Lion", "Adafactor"):
        assert api_export.get_exported(f"keras.optimizers.experimental.{name}") is getattr(optimizers, name)
        assert getattr(optimizers.experimental, name) is getattr(optimizers, name)
    assert api_export.get_exported("keras.Optimizer") is optimizers.Optimizer
    assert api_export.get_export_path(optimizers.AdamW) == "keras.optimizers.AdamW"
    for name in ("ExponentialDecay", "PiecewiseConstantDecay", "PolynomialDecay", "InverseTimeDecay",
                 "CosineDecay", "CosineDecayRestarts", "LearningRateSchedule", "serialize", "deserialize"):
        assert api_export.get_exported(f"keras.optimizers.schedules.{name}") is getattr(optimizers.schedules, name)
