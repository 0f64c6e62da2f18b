"""ResNet50V2, ResNet101V2, ResNet152V2: ResNet with pre-activation blocks.

Reference: [Identity Mappings in Deep Residual Networks](https://arxiv.org/abs/1603.05027) (ECCV 2016).
Inputs are preprocessed with `keras.applications.resnet_v2.preprocess_input` (scaled to [-1, 1]).
"""
from torchkeras.api_export import keras_export
from torchkeras.applications import imagenet_utils
from torchkeras.applications import resnet


def _v2_stacks(depths):
    def stack_fn(x):
        for i, (filters, blocks) in enumerate(zip((64, 128, 256, 512), depths)):
            x = resnet.stack_residual_blocks_v2(x, filters, blocks, stride1=1 if i == 3 else 2,
                                                name=f"conv{i + 2}")
        return x

    return stack_fn


def _resnet_v2(depths, weights_name, include_top, weights, input_tensor, input_shape, pooling, classes,
               classifier_activation, name):
    return resnet.ResNet(_v2_stacks(depths), preact=True, use_bias=True, include_top=include_top,
                         weights=weights, input_tensor=input_tensor, input_shape=input_shape, pooling=pooling,
                         classes=classes, classifier_activation=classifier_activation, name=name,
                         weights_name=weights_name)


@keras_export("keras.applications.ResNet50V2", "keras.applications.resnet_v2.ResNet50V2")
def ResNet50V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
               classes=1000, classifier_activation="softmax", name="resnet50v2"):
    """Instantiate the ResNet50V2 architecture (arguments as `keras.applications.ResNet50`)."""
    return _resnet_v2((3, 4, 6, 3), "resnet50v2", include_top, weights, input_tensor, input_shape, pooling,
                      classes, classifier_activation, name)


@keras_export("keras.applications.ResNet101V2", "keras.applications.resnet_v2.ResNet101V2")
def ResNet101V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                classes=1000, classifier_activation="softmax", name="resnet101v2"):
    """Instantiate the ResNet101V2 architecture (arguments as `keras.applications.ResNet50`)."""
    return _resnet_v2((3, 4, 23, 3), "resnet101v2", include_top, weights, input_tensor, input_shape, pooling,
                      classes, classifier_activation, name)


@keras_export("keras.applications.ResNet152V2", "keras.applications.resnet_v2.ResNet152V2")
def ResNet152V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                classes=1000, classifier_activation="softmax", name="resnet152v2"):
    """Instantiate the ResNet152V2 architecture (arguments as `keras.applications.ResNet50`)."""
    return _resnet_v2((3, 8, 36, 3), "resnet152v2", include_top, weights, input_tensor, input_shape, pooling,
                      classes, classifier_activation, name)


@keras_export("keras.applications.resnet_v2.preprocess_input")
def preprocess_input(x, data_format=None):
    """Preprocess images for ResNetV2: pixels scaled to [-1, 1]."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


@keras_export("keras.applications.resnet_v2.decode_predictions")
def decode_predictions(preds, top=5):
    """Decode ImageNet predictions into `(class_name, class_description, score)` tuples."""
    return imagenet_utils.decode_predictions(preds, top=top)
