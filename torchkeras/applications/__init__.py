"""`keras.applications`: Keras's ImageNet models, with Keras's layer names, arguments and weight files.

Each family lives in its own module, as in Keras (`keras.applications.resnet50.ResNet50`,
`keras.applications.mobilenet_v2.preprocess_input`); the model functions are also available here.
`weights="imagenet"` downloads Keras's own weight files (same URLs, same hashes) into `$KERAS_HOME/models`.
"""
from torchkeras.applications import convnext
from torchkeras.applications import densenet
from torchkeras.applications import efficientnet
from torchkeras.applications import efficientnet_v2
from torchkeras.applications import imagenet_utils
from torchkeras.applications import inception_resnet_v2
from torchkeras.applications import inception_v3
from torchkeras.applications import mobilenet
from torchkeras.applications import mobilenet_v2
from torchkeras.applications import mobilenet_v3
from torchkeras.applications import nasnet
from torchkeras.applications import resnet
from torchkeras.applications import resnet50
from torchkeras.applications import resnet_v2
from torchkeras.applications import vgg16
from torchkeras.applications import vgg19
from torchkeras.applications import xception
from torchkeras.applications.convnext import ConvNeXtBase
from torchkeras.applications.convnext import ConvNeXtLarge
from torchkeras.applications.convnext import ConvNeXtSmall
from torchkeras.applications.convnext import ConvNeXtTiny
from torchkeras.applications.convnext import ConvNeXtXLarge
from torchkeras.applications.densenet import DenseNet121
from torchkeras.applications.densenet import DenseNet169
from torchkeras.applications.densenet import DenseNet201
from torchkeras.applications.efficientnet import EfficientNetB0
from torchkeras.applications.efficientnet import EfficientNetB1
from torchkeras.applications.efficientnet import EfficientNetB2
from torchkeras.applications.efficientnet import EfficientNetB3
from torchkeras.applications.efficientnet import EfficientNetB4
from torchkeras.applications.efficientnet import EfficientNetB5
from torchkeras.applications.efficientnet import EfficientNetB6
from torchkeras.applications.efficientnet import EfficientNetB7
from torchkeras.applications.efficientnet_v2 import EfficientNetV2B0
from torchkeras.applications.efficientnet_v2 import EfficientNetV2B1
from torchkeras.applications.efficientnet_v2 import EfficientNetV2B2
from torchkeras.applications.efficientnet_v2 import EfficientNetV2B3
from torchkeras.applications.efficientnet_v2 import EfficientNetV2L
from torchkeras.applications.efficientnet_v2 import EfficientNetV2M
from torchkeras.applications.efficientnet_v2 import EfficientNetV2S
from torchkeras.applications.inception_resnet_v2 import InceptionResNetV2
from torchkeras.applications.inception_v3 import InceptionV3
from torchkeras.applications.mobilenet import MobileNet
from torchkeras.applications.mobilenet_v2 import MobileNetV2
from torchkeras.applications.mobilenet_v3 import MobileNetV3Large
from torchkeras.applications.mobilenet_v3 import MobileNetV3Small
from torchkeras.applications.nasnet import NASNetLarge
from torchkeras.applications.nasnet import NASNetMobile
from torchkeras.applications.resnet import ResNet101
from torchkeras.applications.resnet import ResNet152
from torchkeras.applications.resnet import ResNet50
from torchkeras.applications.resnet_v2 import ResNet101V2
from torchkeras.applications.resnet_v2 import ResNet152V2
from torchkeras.applications.resnet_v2 import ResNet50V2
from torchkeras.applications.vgg16 import VGG16
from torchkeras.applications.vgg19 import VGG19
from torchkeras.applications.xception import Xception

__all__ = [
    "convnext", "densenet", "efficientnet", "efficientnet_v2", "imagenet_utils", "inception_resnet_v2",
    "inception_v3", "mobilenet", "mobilenet_v2", "mobilenet_v3", "nasnet", "resnet", "resnet50", "resnet_v2",
    "vgg16", "vgg19", "xception", "ConvNeXtBase", "ConvNeXtLarge", "ConvNeXtSmall", "ConvNeXtTiny",
    "ConvNeXtXLarge", "DenseNet121", "DenseNet169", "DenseNet201", "EfficientNetB0", "EfficientNetB1",
    "EfficientNetB2", "EfficientNetB3", "EfficientNetB4", "EfficientNetB5", "EfficientNetB6", "EfficientNetB7",
    "EfficientNetV2B0", "EfficientNetV2B1", "EfficientNetV2B2", "EfficientNetV2B3", "EfficientNetV2L",
    "EfficientNetV2M", "EfficientNetV2S", "InceptionResNetV2", "InceptionV3", "MobileNet", "MobileNetV2",
    "MobileNetV3Large", "MobileNetV3Small", "NASNetLarge", "NASNetMobile", "ResNet101", "ResNet152", "ResNet50",
    "ResNet101V2", "ResNet152V2", "ResNet50V2", "VGG16", "VGG19", "Xception",
]
