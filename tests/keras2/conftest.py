import pytest


@pytest.fixture
def fresh_warnings():
    """Forget which Keras 2 spellings already warned, so a test can see its one-time warning."""
    from torchkeras.utils import keras2_paths

    saved = set(keras2_paths._WARNED)
    keras2_paths._WARNED.clear()
    yield
    keras2_paths._WARNED.clear()
    keras2_paths._WARNED.update(saved)
