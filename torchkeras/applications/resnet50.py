"""`keras.applications.resnet50`: the module path Keras 2 scripts import ResNet50 from."""
from torchkeras.applications.resnet import ResNet50
from torchkeras.applications.resnet import decode_predictions
from torchkeras.applications.resnet import preprocess_input

__all__ = ["ResNet50", "decode_predictions", "preprocess_input"]
