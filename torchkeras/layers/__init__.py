"""`keras.layers`."""
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer
from torchkeras.layers.core.input_layer import Input, InputLayer
from torchkeras.layers.core.dense import Dense
from torchkeras.layers.core.embedding import Embedding
from torchkeras.layers.core.identity import Identity
from torchkeras.layers.core.lambda_layer import Lambda
from torchkeras.layers.core.torch_module_wrapper import TorchModuleWrapper
from torchkeras.layers.activations.activation import Activation
from torchkeras.layers.regularization.dropout import Dropout
from torchkeras.layers.regularization.activity_regularization import ActivityRegularization
from torchkeras.layers.reshaping.flatten import Flatten
from torchkeras.layers.reshaping.permute import Permute
from torchkeras.layers.reshaping.repeat_vector import RepeatVector
from torchkeras.layers.reshaping.reshape import Reshape
