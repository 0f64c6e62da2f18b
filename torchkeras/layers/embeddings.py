"""Keras 2's `keras.layers.embeddings` module path: `Embedding`."""
from torchkeras.utils.keras2_paths import warn_once
from torchkeras.layers.core.embedding import Embedding  # noqa: F401

warn_once(__name__.replace("torchkeras", "keras", 1), "keras.layers")
