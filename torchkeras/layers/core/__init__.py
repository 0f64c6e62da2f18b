from torchkeras.layers.core.dense import Dense
from torchkeras.layers.core.embedding import Embedding
from torchkeras.layers.core.identity import Identity
from torchkeras.layers.core.input_layer import Input, InputLayer
from torchkeras.layers.core.lambda_layer import Lambda
from torchkeras.layers.core.reversible_embedding import ReversibleEmbedding
from torchkeras.layers.core.torch_module_wrapper import TorchModuleWrapper

__all__ = ["Dense", "Embedding", "Identity", "Input", "InputLayer", "Lambda", "TorchModuleWrapper"]
__all__ += ["ReversibleEmbedding"]
