"""`keras.layers`: every layer class, grouped by family in sub-packages."""
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer
from torchkeras.layers.activations import *  # noqa: F401,F403
from torchkeras.layers.attention import *  # noqa: F401,F403
from torchkeras.layers.convolutional import *  # noqa: F401,F403
from torchkeras.layers.core import *  # noqa: F401,F403
from torchkeras.layers.merging import *  # noqa: F401,F403
from torchkeras.layers.normalization import *  # noqa: F401,F403
from torchkeras.layers.pooling import *  # noqa: F401,F403
from torchkeras.layers.preprocessing import *  # noqa: F401,F403
from torchkeras.layers.recurrent import *  # noqa: F401,F403
from torchkeras.layers.regularization import *  # noqa: F401,F403
from torchkeras.layers.reshaping import *  # noqa: F401,F403
# Keras 2 layers that Keras 3 removed (and Keras 1's Merge/merge, Keras 2's legacy layers), kept for old code.
from torchkeras.layers.locally_connected import LocallyConnected1D, LocallyConnected2D  # noqa: E402,F401
from torchkeras.layers.merging.keras1_merge import Merge, merge  # noqa: E402,F401
from torchkeras.layers.recurrent.cudnn import CuDNNGRU, CuDNNLSTM  # noqa: E402,F401
from torchkeras.legacy.layers import AtrousConvolution1D, AtrousConvolution2D, Highway, MaxoutDense  # noqa: E402,F401
from torchkeras.layers.serialization import deserialize, serialize  # noqa: E402,F401
