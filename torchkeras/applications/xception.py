"""Xception: depthwise separable convolutions with residual connections.

Reference: [Xception: Deep Learning with Depthwise Separable Convolutions](https://arxiv.org/abs/1610.02357)
(CVPR 2017). Inputs are preprocessed with `keras.applications.xception.preprocess_input` (scaled to [-1, 1]).
"""
from torchkeras import backend
from torchkeras import layers
from torchkeras.api_export import keras_export
from torchkeras.applications import application
from torchkeras.applications import imagenet_utils
from torchkeras.applications import weights as weight_files


def _sepconv_bn(x, filters, name, axis):
    x = layers.SeparableConv2D(filters, (3, 3), padding="same", use_bias=False, name=name)(x)
    return layers.BatchNormalization(axis=axis, name=f"{name}_bn")(x)


def _downsampling_block(x, block, filters, axis, first_relu=True):
    """Two separable convolutions and a strided max pooling, plus a strided 1x1 convolution shortcut.

    `filters` is (first separable conv, second separable conv); the shortcut has the second count.
    """
    residual = layers.Conv2D(filters[1], (1, 1), strides=(2, 2), padding="same", use_bias=False)(x)
    residual = layers.BatchNormalization(axis=axis)(residual)
    if first_relu:
        x = layers.Activation("relu", name=f"block{block}_sepconv1_act")(x)
    x = _sepconv_bn(x, filters[0], f"block{block}_sepconv1", axis)
    x = layers.Activation("relu", name=f"block{block}_sepconv2_act")(x)
    x = _sepconv_bn(x, filters[1], f"block{block}_sepconv2", axis)
    x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same", name=f"block{block}_pool")(x)
    return layers.add([x, residual])


@keras_export("keras.applications.xception.Xception", "keras.applications.Xception")
def Xception(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None, classes=1000,
             classifier_activation="softmax", name="xception"):
    """Instantiate the Xception architecture (optionally with weights pre-trained on ImageNet).

    Args: `include_top`, `weights` (None, "imagenet" or a weights file path), `input_tensor`, `input_shape`
    (without `include_top`; default `(299, 299, 3)`, at least 71x71), `pooling` (None, "avg" or "max", without
    `include_top`), `classes`, `classifier_activation`, `name`. Returns a Keras `Model`.
    """
    weight_files.check_weights_argument(weights, include_top, classes)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=299, min_size=71, data_format=backend.image_data_format(),
        require_flatten=include_top, weights=weights)
    img_input = application.image_input(input_tensor, input_shape)
    axis = application.channel_axis(negative=True)

    # entry flow
    x = layers.Conv2D(32, (3, 3), strides=(2, 2), use_bias=False, name="block1_conv1")(img_input)
    x = layers.BatchNormalization(axis=axis, name="block1_conv1_bn")(x)
    x = layers.Activation("relu", name="block1_conv1_act")(x)
    x = layers.Conv2D(64, (3, 3), use_bias=False, name="block1_conv2")(x)
    x = layers.BatchNormalization(axis=axis, name="block1_conv2_bn")(x)
    x = layers.Activation("relu", name="block1_conv2_act")(x)
    x = _downsampling_block(x, 2, (128, 128), axis, first_relu=False)
    x = _downsampling_block(x, 3, (256, 256), axis)
    x = _downsampling_block(x, 4, (728, 728), axis)
    # middle flow
    for block in range(5, 13):
        residual = x
        for i in (1, 2, 3):
            x = layers.Activation("relu", name=f"block{block}_sepconv{i}_act")(x)
            x = _sepconv_bn(x, 728, f"block{block}_sepconv{i}", axis)
        x = layers.add([x, residual])
    # exit flow
    x = _downsampling_block(x, 13, (728, 1024), axis)
    x = _sepconv_bn(x, 1536, "block14_sepconv1", axis)
    x = layers.Activation("relu", name="block14_sepconv1_act")(x)
    x = _sepconv_bn(x, 2048, "block14_sepconv2", axis)
    x = layers.Activation("relu", name="block14_sepconv2_act")(x)

    x = application.classifier_top(x, include_top, pooling, classes, classifier_activation, weights)
    model = application.functional_model(img_input, input_tensor, x, name)
    notop = "" if include_top else "_notop"
    return weight_files.load_weights(model, weights, f"xception_weights_tf_dim_ordering_tf_kernels{notop}.h5")


@keras_export("keras.applications.xception.preprocess_input")
def preprocess_input(x, data_format=None):
    """Preprocess images for Xception: pixels scaled to [-1, 1]."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


@keras_export("keras.applications.xception.decode_predictions")
def decode_predictions(preds, top=5):
    """Decode ImageNet predictions into `(class_name, class_description, score)` tuples."""
    return imagenet_utils.decode_predictions(preds, top=top)
