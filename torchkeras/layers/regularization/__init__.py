from torchkeras.layers.regularization.activity_regularization import ActivityRegularization
from torchkeras.layers.regularization.dropout import Dropout

__all__ = ["ActivityRegularization", "Dropout"]
