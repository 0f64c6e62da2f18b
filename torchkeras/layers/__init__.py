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
from torchkeras.layers.serialization import deserialize, serialize  # noqa: E402,F401
