"""ResNet50, ResNet101, ResNet152 (and the shared ResNet body, also used by ResNetV2).

Reference: [Deep Residual Learning for Image Recognition](https://arxiv.org/abs/1512.03385) (CVPR 2015).
Inputs are preprocessed with `keras.applications.resnet.preprocess_input` (RGB to BGR, then zero-centered
with the ImageNet means, no scaling).
"""
from torchkeras import backend
from torchkeras import layers
from torchkeras.api_export import keras_export
from torchkeras.applications import application
from torchkeras.applications import imagenet_utils
from torchkeras.applications import weights as weight_files

_BN_EPSILON = 1.001e-5


def ResNet(stack_fn, preact, use_bias, include_top=True, weights="imagenet", input_tensor=None,
           input_shape=None, pooling=None, classes=1000, classifier_activation="softmax", name="resnet",
           weights_name=None):
    """The ResNet (`preact=False`) and ResNetV2 (`preact=True`) body around the residual stacks of
    `stack_fn`."""
    weight_files.check_weights_argument(weights, include_top, classes)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=224, min_size=32, data_format=backend.image_data_format(),
        require_flatten=include_top, weights=weights)
    img_input = application.image_input(input_tensor, input_shape)
    bn_axis = application.channel_axis()

    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=use_bias, name="conv1_conv")(x)
    if not preact:
        x = layers.BatchNormalization(axis=bn_axis, epsilon=_BN_EPSILON, name="conv1_bn")(x)
        x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    x = stack_fn(x)
    if preact:
        x = layers.BatchNormalization(axis=bn_axis, epsilon=_BN_EPSILON, name="post_bn")(x)
        x = layers.Activation("relu", name="post_relu")(x)

    x = application.classifier_top(x, include_top, pooling, classes, classifier_activation, weights, "avg_pool", "max_pool")
    model = application.functional_model(img_input, input_tensor, x, name)
    notop = "" if include_top else "_notop"
    return weight_files.load_weights(model, weights, f"{weights_name}_weights_tf_dim_ordering_tf_kernels{notop}.h5")


def residual_block_v1(x, filters, kernel_size=3, stride=1, conv_shortcut=True, name=None):
    """Bottleneck block of ResNet v1: 1x1, kxk, 1x1 convolutions, each with batch norm, plus the shortcut."""
    bn_axis = application.channel_axis()
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(x)
        shortcut = layers.BatchNormalization(axis=bn_axis, epsilon=_BN_EPSILON, name=f"{name}_0_bn")(shortcut)
    else:
        shortcut = x
    x = layers.Conv2D(filters, 1, strides=stride, name=f"{name}_1_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, epsilon=_BN_EPSILON, name=f"{name}_1_bn")(x)
    x = layers.Activation("relu", name=f"{name}_1_relu")(x)
    x = layers.Conv2D(filters, kernel_size, padding="SAME", name=f"{name}_2_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, epsilon=_BN_EPSILON, name=f"{name}_2_bn")(x)
    x = layers.Activation("relu", name=f"{name}_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, epsilon=_BN_EPSILON, name=f"{name}_3_bn")(x)
    x = layers.Add(name=f"{name}_add")([shortcut, x])
    return layers.Activation("relu", name=f"{name}_out")(x)


def stack_residual_blocks_v1(x, filters, blocks, stride1=2, name=None):
    """`blocks` v1 blocks; the first one has a projection shortcut and stride `stride1`."""
    x = residual_block_v1(x, filters, stride=stride1, name=f"{name}_block1")
    for i in range(2, blocks + 1):
        x = residual_block_v1(x, filters, conv_shortcut=False, name=f"{name}_block{i}")
    return x


def residual_block_v2(x, filters, kernel_size=3, stride=1, conv_shortcut=False, name=None):
    """Pre-activation bottleneck block of ResNet v2 (batch norm and ReLU before the convolutions)."""
    bn_axis = application.channel_axis()
    preact = layers.BatchNormalization(axis=bn_axis, epsilon=_BN_EPSILON, name=f"{name}_preact_bn")(x)
    preact = layers.Activation("relu", name=f"{name}_preact_relu")(preact)
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(preact)
    else:
        shortcut = layers.MaxPooling2D(1, strides=stride)(x) if stride > 1 else x
    x = layers.Conv2D(filters, 1, strides=1, use_bias=False, name=f"{name}_1_conv")(preact)
    x = layers.BatchNormalization(axis=bn_axis, epsilon=_BN_EPSILON, name=f"{name}_1_bn")(x)
    x = layers.Activation("relu", name=f"{name}_1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name=f"{name}_2_pad")(x)
    x = layers.Conv2D(filters, kernel_size, strides=stride, use_bias=False, name=f"{name}_2_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, epsilon=_BN_EPSILON, name=f"{name}_2_bn")(x)
    x = layers.Activation("relu", name=f"{name}_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    return layers.Add(name=f"{name}_out")([shortcut, x])


def stack_residual_blocks_v2(x, filters, blocks, stride1=2, name=None):
    """`blocks` v2 blocks; the first has a projection shortcut, the last one the stride `stride1`."""
    x = residual_block_v2(x, filters, conv_shortcut=True, name=f"{name}_block1")
    for i in range(2, blocks):
        x = residual_block_v2(x, filters, name=f"{name}_block{i}")
    return residual_block_v2(x, filters, stride=stride1, name=f"{name}_block{blocks}")


def _v1_stacks(depths):
    def stack_fn(x):
        for i, (filters, blocks) in enumerate(zip((64, 128, 256, 512), depths)):
            x = stack_residual_blocks_v1(x, filters, blocks, stride1=1 if i == 0 else 2, name=f"conv{i + 2}")
        return x

    return stack_fn


def _resnet_v1(depths, weights_name, include_top, weights, input_tensor, input_shape, pooling, classes,
               classifier_activation, name):
    return ResNet(_v1_stacks(depths), preact=False, use_bias=True, include_top=include_top, weights=weights,
                  input_tensor=input_tensor, input_shape=input_shape, pooling=pooling, classes=classes,
                  classifier_activation=classifier_activation, name=name, weights_name=weights_name)


@keras_export("keras.applications.resnet50.ResNet50", "keras.applications.resnet.ResNet50",
              "keras.applications.ResNet50")
def ResNet50(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
             classes=1000, classifier_activation="softmax", name="resnet50"):
    """Instantiate the ResNet50 architecture (optionally with weights pre-trained on ImageNet).

    Args: `include_top` (the classifier on top), `weights` (None, "imagenet" or a weights file path),
    `input_tensor` (a Keras tensor to build on), `input_shape` (without `include_top`; at least 32x32),
    `pooling` (None, "avg" or "max", without `include_top`), `classes`, `classifier_activation`
    (None or "softmax" with pretrained weights), `name`. Returns a Keras `Model`.
    """
    return _resnet_v1((3, 4, 6, 3), "resnet50", include_top, weights, input_tensor, input_shape, pooling,
                      classes, classifier_activation, name)


@keras_export("keras.applications.resnet.ResNet101", "keras.applications.ResNet101")
def ResNet101(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
              classes=1000, classifier_activation="softmax", name="resnet101"):
    """Instantiate the ResNet101 architecture (arguments as `ResNet50`)."""
    return _resnet_v1((3, 4, 23, 3), "resnet101", include_top, weights, input_tensor, input_shape, pooling,
                      classes, classifier_activation, name)


@keras_export("keras.applications.resnet.ResNet152", "keras.applications.ResNet152")
def ResNet152(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
              classes=1000, classifier_activation="softmax", name="resnet152"):
    """Instantiate the ResNet152 architecture (arguments as `ResNet50`)."""
    return _resnet_v1((3, 8, 36, 3), "resnet152", include_top, weights, input_tensor, input_shape, pooling,
                      classes, classifier_activation, name)


@keras_export("keras.applications.resnet50.preprocess_input", "keras.applications.resnet.preprocess_input")
def preprocess_input(x, data_format=None):
    """Preprocess images for ResNet: RGB to BGR, then zero-center each channel with the ImageNet means."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


@keras_export("keras.applications.resnet50.decode_predictions", "keras.applications.resnet.decode_predictions")
def decode_predictions(preds, top=5):
    """Decode ImageNet predictions into `(class_name, class_description, score)` tuples."""
    return imagenet_utils.decode_predictions(preds, top=top)
