"""`keras.config`: re-exported settings and the process-wide switches."""
import pytest

import torchkeras
from torchkeras import config


def test_settings_are_the_backend_settings():
    from torchkeras.backend import config as backend_config

    assert config.floatx is backend_config.floatx
    assert config.epsilon() == 1e-7
    assert config.image_data_format() in ("channels_last", "channels_first")
    assert config.backend() == "torch"
    assert config.keras_home().endswith(".keras") or config.keras_home()
    old = config.floatx()
    config.set_floatx("float64")
    try:
        assert backend_config.floatx() == "float64"
    finally:
        config.set_floatx(old)


def test_dtype_policy():
    assert config.dtype_policy().name == config.floatx()
    config.set_dtype_policy("mixed_float16")
    try:
        policy = config.dtype_policy()
        assert (policy.compute_dtype, policy.variable_dtype) == ("float16", "float32")
    finally:
        config.set_dtype_policy(None)


@pytest.mark.parametrize("name", ["traceback_filtering", "interactive_logging"])
def test_flags(name):
    enable = getattr(config, f"enable_{name}")
    disable = getattr(config, f"disable_{name}")
    is_enabled = getattr(config, f"is_{name}_enabled")
    assert is_enabled() is True
    disable()
    try:
        assert is_enabled() is False
    finally:
        enable()
    assert is_enabled() is True


def test_flash_attention_and_debug_caps():
    assert config.is_flash_attention_enabled() is None
    config.enable_flash_attention()
    assert config.is_flash_attention_enabled() is True
    config.disable_flash_attention()
    assert config.is_flash_attention_enabled() is False
    from torchkeras.config import flags

    flags._state["flash_attention"] = None
    config.set_max_epochs(2)
    config.set_max_steps_per_epoch(3)
    try:
        assert (config.max_epochs(), config.max_steps_per_epoch()) == (2, 3)
    finally:
        config.set_max_epochs(None)
        config.set_max_steps_per_epoch(None)
    assert config.is_nnx_enabled() is False


def test_set_backend():
    config.set_backend("torch")
    with pytest.raises(ValueError, match="only runs on the 'torch' backend. Received: backend=jax"):
        config.set_backend("jax")


def test_enable_unsafe_deserialization():
    from torchkeras.saving import serialization_lib

    assert config.enable_unsafe_deserialization is serialization_lib.enable_unsafe_deserialization


def test_reachable_as_keras_config():
    assert torchkeras.config.is_interactive_logging_enabled is config.is_interactive_logging_enabled
