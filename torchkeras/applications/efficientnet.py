"""EfficientNetB0 to EfficientNetB7.

Reference: [EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks](
https://arxiv.org/abs/1905.11946) (ICML 2019). The models rescale and normalize their inputs themselves: they
take pixels in [0, 255], and `keras.applications.efficientnet.preprocess_input` returns its input unchanged.
"""
import math

from torchkeras import backend
from torchkeras import layers
from torchkeras.api_export import keras_export
from torchkeras.applications import application
from torchkeras.applications import imagenet_utils
from torchkeras.applications import weights as weight_files

# (kernel_size, repeats, filters_in, filters_out, expand_ratio, strides) of the seven stages of EfficientNet-B0;
# every block has an identity skip and squeeze-excite ratio 0.25.
DEFAULT_BLOCKS_ARGS = [
    {"kernel_size": k, "repeats": r, "filters_in": fi, "filters_out": fo, "expand_ratio": e, "id_skip": True,
     "strides": s, "se_ratio": 0.25}
    for k, r, fi, fo, e, s in [(3, 1, 32, 16, 1, 1), (3, 2, 16, 24, 6, 2), (5, 2, 24, 40, 6, 2),
                               (3, 3, 40, 80, 6, 2), (5, 3, 80, 112, 6, 1), (5, 4, 112, 192, 6, 2),
                               (3, 1, 192, 320, 6, 1)]
]

CONV_KERNEL_INITIALIZER = {
    "class_name": "VarianceScaling",
    "config": {"scale": 2.0, "mode": "fan_out", "distribution": "truncated_normal"},
}
DENSE_KERNEL_INITIALIZER = {
    "class_name": "VarianceScaling",
    "config": {"scale": 1.0 / 3.0, "mode": "fan_out", "distribution": "uniform"},
}
IMAGENET_STDDEV_RGB = [0.229, 0.224, 0.225]


def EfficientNet(width_coefficient, depth_coefficient, default_size, dropout_rate=0.2, drop_connect_rate=0.2,
                 depth_divisor=8, activation="swish", blocks_args="default", name="efficientnet", include_top=True,
                 weights="imagenet", input_tensor=None, input_shape=None, pooling=None, classes=1000,
                 classifier_activation="softmax", weights_name=None):
    """An EfficientNet scaled in width and depth from B0's stages (`blocks_args`)."""
    if blocks_args == "default":
        blocks_args = DEFAULT_BLOCKS_ARGS
    weight_files.check_weights_argument(weights, include_top, classes)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=default_size, min_size=32, data_format=backend.image_data_format(),
        require_flatten=include_top, weights=weights)
    img_input = application.image_input(input_tensor, input_shape)
    bn_axis = application.channel_axis()

    def round_filters(filters, divisor=depth_divisor):
        filters *= width_coefficient
        new_filters = max(divisor, int(filters + divisor / 2) // divisor * divisor)
        if new_filters < 0.9 * filters:
            new_filters += divisor
        return int(new_filters)

    def round_repeats(repeats):
        return int(math.ceil(depth_coefficient * repeats))

    x = layers.Rescaling(1.0 / 255.0)(img_input)
    x = layers.Normalization(axis=bn_axis)(x)
    if weights == "imagenet":
        # Keras's published weights expect this scaling by 1 / sqrt(stddev) after the normalization.
        x = layers.Rescaling([1.0 / math.sqrt(stddev) for stddev in IMAGENET_STDDEV_RGB])(x)
    x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, 3), name="stem_conv_pad")(x)
    x = layers.Conv2D(round_filters(32), 3, strides=2, padding="valid", use_bias=False,
                      kernel_initializer=CONV_KERNEL_INITIALIZER, name="stem_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, name="stem_bn")(x)
    x = layers.Activation(activation, name="stem_activation")(x)

    total = float(sum(round_repeats(args["repeats"]) for args in blocks_args))
    b = 0
    for i, stage in enumerate(blocks_args):
        if stage["repeats"] <= 0:
            raise ValueError(
                f"The number of repeats in `EfficientNet` must be > 0. Received: repeats={stage['repeats']}")
        args = {k: v for k, v in stage.items() if k != "repeats"}
        args["filters_in"] = round_filters(args["filters_in"])
        args["filters_out"] = round_filters(args["filters_out"])
        for j in range(round_repeats(stage["repeats"])):
            if j > 0:
                args["strides"] = 1
                args["filters_in"] = args["filters_out"]
            x = block(x, activation, drop_connect_rate * b / total, name=f"block{i + 1}{chr(j + 97)}_", **args)
            b += 1

    x = layers.Conv2D(round_filters(1280), 1, padding="same", use_bias=False,
                      kernel_initializer=CONV_KERNEL_INITIALIZER, name="top_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, name="top_bn")(x)
    x = layers.Activation(activation, name="top_activation")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate, name="top_dropout")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, kernel_initializer=DENSE_KERNEL_INITIALIZER,
                         name="predictions")(x)
    else:
        x = application.global_pool(x, pooling, "avg_pool", "max_pool")
    model = application.functional_model(img_input, input_tensor, x, name)
    return weight_files.load_weights(model, weights,
                                     f"efficientnet{weights_name}{'' if include_top else '_notop'}.h5")


def block(inputs, activation="swish", drop_rate=0.0, name="", filters_in=32, filters_out=16, kernel_size=3,
          strides=1, expand_ratio=1, se_ratio=0.0, id_skip=True):
    """Mobile inverted bottleneck (MBConv): expansion, depthwise convolution, squeeze-excite, projection, and
    (same shapes) the skip connection with drop-connect."""
    bn_axis = application.channel_axis()
    filters = filters_in * expand_ratio
    if expand_ratio != 1:
        x = layers.Conv2D(filters, 1, padding="same", use_bias=False, kernel_initializer=CONV_KERNEL_INITIALIZER,
                          name=f"{name}expand_conv")(inputs)
        x = layers.BatchNormalization(axis=bn_axis, name=f"{name}expand_bn")(x)
        x = layers.Activation(activation, name=f"{name}expand_activation")(x)
    else:
        x = inputs
    if strides == 2:
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, kernel_size), name=f"{name}dwconv_pad")(x)
        conv_pad = "valid"
    else:
        conv_pad = "same"
    x = layers.DepthwiseConv2D(kernel_size, strides=strides, padding=conv_pad, use_bias=False,
                               depthwise_initializer=CONV_KERNEL_INITIALIZER, name=f"{name}dwconv")(x)
    x = layers.BatchNormalization(axis=bn_axis, name=f"{name}bn")(x)
    x = layers.Activation(activation, name=f"{name}activation")(x)
    if 0 < se_ratio <= 1:
        x = squeeze_excite(x, filters, max(1, int(filters_in * se_ratio)), activation, name, bn_axis)
    x = layers.Conv2D(filters_out, 1, padding="same", use_bias=False, kernel_initializer=CONV_KERNEL_INITIALIZER,
                      name=f"{name}project_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, name=f"{name}project_bn")(x)
    if id_skip and strides == 1 and filters_in == filters_out:
        if drop_rate > 0:
            x = layers.Dropout(drop_rate, noise_shape=(None, 1, 1, 1), name=f"{name}drop")(x)
        x = layers.add([x, inputs], name=f"{name}add")
    return x


def squeeze_excite(x, filters, filters_se, activation, name, bn_axis):
    """Channel weights from the global average (reduce to `filters_se`, expand, sigmoid) multiplied in."""
    se = layers.GlobalAveragePooling2D(name=f"{name}se_squeeze")(x)
    se_shape = (filters, 1, 1) if bn_axis == 1 else (1, 1, filters)
    se = layers.Reshape(se_shape, name=f"{name}se_reshape")(se)
    se = layers.Conv2D(filters_se, 1, padding="same", activation=activation,
                       kernel_initializer=CONV_KERNEL_INITIALIZER, name=f"{name}se_reduce")(se)
    se = layers.Conv2D(filters, 1, padding="same", activation="sigmoid", kernel_initializer=CONV_KERNEL_INITIALIZER,
                       name=f"{name}se_expand")(se)
    return layers.multiply([x, se], name=f"{name}se_excite")


def _efficientnet(width, depth, size, dropout, weights_name, include_top, weights, input_tensor, input_shape,
                  pooling, classes, classifier_activation, name):
    return EfficientNet(width, depth, size, dropout, name=name, include_top=include_top, weights=weights,
                        input_tensor=input_tensor, input_shape=input_shape, pooling=pooling, classes=classes,
                        classifier_activation=classifier_activation, weights_name=weights_name)


_DOC = """Instantiate the {} architecture (optionally with weights pre-trained on ImageNet).

    The model takes pixels in [0, 255] (it rescales and normalizes them itself). Args: `include_top`,
    `weights` (None, "imagenet" or a weights file path), `input_tensor`, `input_shape` (without `include_top`;
    at least 32x32), `pooling` (None, "avg" or "max", without `include_top`), `classes`,
    `classifier_activation`, `name`. Returns a Keras `Model`.
    """


@keras_export("keras.applications.efficientnet.EfficientNetB0", "keras.applications.EfficientNetB0")
def EfficientNetB0(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                   classes=1000, classifier_activation="softmax", name="efficientnetb0"):
    return _efficientnet(1.0, 1.0, 224, 0.2, "b0", include_top, weights, input_tensor, input_shape, pooling,
                         classes, classifier_activation, name)


@keras_export("keras.applications.efficientnet.EfficientNetB1", "keras.applications.EfficientNetB1")
def EfficientNetB1(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                   classes=1000, classifier_activation="softmax", name="efficientnetb1"):
    return _efficientnet(1.0, 1.1, 240, 0.2, "b1", include_top, weights, input_tensor, input_shape, pooling,
                         classes, classifier_activation, name)


@keras_export("keras.applications.efficientnet.EfficientNetB2", "keras.applications.EfficientNetB2")
def EfficientNetB2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                   classes=1000, classifier_activation="softmax", name="efficientnetb2"):
    return _efficientnet(1.1, 1.2, 260, 0.3, "b2", include_top, weights, input_tensor, input_shape, pooling,
                         classes, classifier_activation, name)


@keras_export("keras.applications.efficientnet.EfficientNetB3", "keras.applications.EfficientNetB3")
def EfficientNetB3(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                   classes=1000, classifier_activation="softmax", name="efficientnetb3"):
    return _efficientnet(1.2, 1.4, 300, 0.3, "b3", include_top, weights, input_tensor, input_shape, pooling,
                         classes, classifier_activation, name)


@keras_export("keras.applications.efficientnet.EfficientNetB4", "keras.applications.EfficientNetB4")
def EfficientNetB4(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                   classes=1000, classifier_activation="softmax", name="efficientnetb4"):
    return _efficientnet(1.4, 1.8, 380, 0.4, "b4", include_top, weights, input_tensor, input_shape, pooling,
                         classes, classifier_activation, name)


@keras_export("keras.applications.efficientnet.EfficientNetB5", "keras.applications.EfficientNetB5")
def EfficientNetB5(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                   classes=1000, classifier_activation="softmax", name="efficientnetb5"):
    return _efficientnet(1.6, 2.2, 456, 0.4, "b5", include_top, weights, input_tensor, input_shape, pooling,
                         classes, classifier_activation, name)


@keras_export("keras.applications.efficientnet.EfficientNetB6", "keras.applications.EfficientNetB6")
def EfficientNetB6(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                   classes=1000, classifier_activation="softmax", name="efficientnetb6"):
    return _efficientnet(1.8, 2.6, 528, 0.5, "b6", include_top, weights, input_tensor, input_shape, pooling,
                         classes, classifier_activation, name)


@keras_export("keras.applications.efficientnet.EfficientNetB7", "keras.applications.EfficientNetB7")
def EfficientNetB7(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                   classes=1000, classifier_activation="softmax", name="efficientnetb7"):
    return _efficientnet(2.0, 3.1, 600, 0.5, "b7", include_top, weights, input_tensor, input_shape, pooling,
                         classes, classifier_activation, name)


for _fn in (EfficientNetB0, EfficientNetB1, EfficientNetB2, EfficientNetB3, EfficientNetB4, EfficientNetB5,
            EfficientNetB6, EfficientNetB7):
    _fn.__doc__ = _DOC.format(_fn.__name__)


@keras_export("keras.applications.efficientnet.preprocess_input")
def preprocess_input(x, data_format=None):
    """Return `x` unchanged: EfficientNet rescales and normalizes its inputs inside the model."""
    return x


@keras_export("keras.applications.efficientnet.decode_predictions")
def decode_predictions(preds, top=5):
    """Decode ImageNet predictions into `(class_name, class_description, score)` tuples."""
    return imagenet_utils.decode_predictions(preds, top=top)
