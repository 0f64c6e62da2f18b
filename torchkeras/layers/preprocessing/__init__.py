"""Preprocessing layers: normalization, image resizing and augmentation, and categorical/text encoding."""
from torchkeras.layers.preprocessing.category_encoding import CategoryEncoding
from torchkeras.layers.preprocessing.center_crop import CenterCrop
from torchkeras.layers.preprocessing.discretization import Discretization
from torchkeras.layers.preprocessing.hashed_crossing import HashedCrossing
from torchkeras.layers.preprocessing.hashing import Hashing
from torchkeras.layers.preprocessing.integer_lookup import IntegerLookup
from torchkeras.layers.preprocessing.mel_spectrogram import MelSpectrogram
from torchkeras.layers.preprocessing.normalization import Normalization
from torchkeras.layers.preprocessing.random_contrast import RandomContrast
from torchkeras.layers.preprocessing.random_flip import RandomFlip
from torchkeras.layers.preprocessing.random_rotation import RandomRotation
from torchkeras.layers.preprocessing.random_translation import RandomTranslation
from torchkeras.layers.preprocessing.random_zoom import RandomZoom
from torchkeras.layers.preprocessing.rescaling import Rescaling
from torchkeras.layers.preprocessing.resizing import Resizing
from torchkeras.layers.preprocessing.stft_spectrogram import STFTSpectrogram
from torchkeras.layers.preprocessing.string_lookup import StringLookup
from torchkeras.layers.preprocessing.text_vectorization import TextVectorization

__all__ = [
    "CategoryEncoding", "CenterCrop", "Discretization", "Hashing", "IntegerLookup", "Normalization",
    "RandomContrast", "RandomFlip", "RandomRotation", "RandomTranslation", "RandomZoom", "Rescaling", "Resizing",
    "StringLookup", "TextVectorization",
]
__all__ += ["HashedCrossing", "MelSpectrogram", "STFTSpectrogram"]
from torchkeras.layers.preprocessing import feature_space  # noqa: E402,F401  (registers keras.utils.FeatureSpace)
from torchkeras.layers.preprocessing.image_preprocessing import *  # noqa: E402,F401,F403
from torchkeras.layers.preprocessing.pipeline import Pipeline  # noqa: E402,F401
__all__ += sorted(set(image_preprocessing.__all__) - set(__all__)) + ["Pipeline"]  # noqa: F405
