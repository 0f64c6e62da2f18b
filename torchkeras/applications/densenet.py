"""DenseNet121, DenseNet169, DenseNet201.

Reference: [Densely Connected Convolutional Networks](https://arxiv.org/abs/1608.06993) (CVPR 2017).
Inputs are preprocessed with `keras.applications.densenet.preprocess_input` (scaled to [0, 1], then each
channel normalized with the ImageNet mean and standard deviation).
"""
from torchkeras import backend
from torchkeras import layers
from torchkeras.api_export import keras_export
from torchkeras.applications import application
from torchkeras.applications import imagenet_utils
from torchkeras.applications import weights as weight_files

_BN_EPSILON = 1.001e-5
_GROWTH_RATE = 32


def dense_block(x, blocks, name):
    """`blocks` conv blocks, each concatenating its 32 new feature maps to its input."""
    for i in range(blocks):
        x = conv_block(x, _GROWTH_RATE, name=f"{name}_block{i + 1}")
    return x


def transition_block(x, reduction, name):
    """Batch norm, ReLU, a 1x1 convolution keeping `reduction` of the channels, and 2x2 average pooling."""
    bn_axis = application.channel_axis()
    x = layers.BatchNormalization(axis=bn_axis, epsilon=_BN_EPSILON, name=f"{name}_bn")(x)
    x = layers.Activation("relu", name=f"{name}_relu")(x)
    x = layers.Conv2D(int(x.shape[bn_axis] * reduction), 1, use_bias=False, name=f"{name}_conv")(x)
    return layers.AveragePooling2D(2, strides=2, name=f"{name}_pool")(x)


def conv_block(x, growth_rate, name):
    """BN-ReLU-1x1 conv (4 * growth_rate), BN-ReLU-3x3 conv (growth_rate), concatenated to the input."""
    bn_axis = application.channel_axis()
    x1 = layers.BatchNormalization(axis=bn_axis, epsilon=_BN_EPSILON, name=f"{name}_0_bn")(x)
    x1 = layers.Activation("relu", name=f"{name}_0_relu")(x1)
    x1 = layers.Conv2D(4 * growth_rate, 1, use_bias=False, name=f"{name}_1_conv")(x1)
    x1 = layers.BatchNormalization(axis=bn_axis, epsilon=_BN_EPSILON, name=f"{name}_1_bn")(x1)
    x1 = layers.Activation("relu", name=f"{name}_1_relu")(x1)
    x1 = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False, name=f"{name}_2_conv")(x1)
    return layers.Concatenate(axis=bn_axis, name=f"{name}_concat")([x, x1])


def DenseNet(blocks, include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
             classes=1000, classifier_activation="softmax", name="densenet", weights_name=None):
    """A DenseNet with `blocks` conv blocks in each of its four dense blocks."""
    application.require_channels_last("DenseNet")
    weight_files.check_weights_argument(weights, include_top, classes)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=224, min_size=32, data_format=backend.image_data_format(),
        require_flatten=include_top, weights=weights)
    img_input = application.image_input(input_tensor, input_shape)
    bn_axis = application.channel_axis()

    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)))(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=False, name="conv1_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, epsilon=_BN_EPSILON, name="conv1_bn")(x)
    x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)))(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    for i, count in enumerate(blocks):
        x = dense_block(x, count, name=f"conv{i + 2}")
        if i < len(blocks) - 1:
            x = transition_block(x, 0.5, name=f"pool{i + 2}")
    x = layers.BatchNormalization(axis=bn_axis, epsilon=_BN_EPSILON, name="bn")(x)
    x = layers.Activation("relu", name="relu")(x)

    x = application.classifier_top(x, include_top, pooling, classes, classifier_activation, weights, "avg_pool", "max_pool")
    model = application.functional_model(img_input, input_tensor, x, name)
    notop = "" if include_top else "_notop"
    return weight_files.load_weights(model, weights, f"{weights_name}_weights_tf_dim_ordering_tf_kernels{notop}.h5")


_DOC = """Instantiate the {} architecture (optionally with weights pre-trained on ImageNet).

    Args: `include_top`, `weights` (None, "imagenet" or a weights file path), `input_tensor`, `input_shape`
    (without `include_top`; at least 32x32), `pooling` (None, "avg" or "max", without `include_top`),
    `classes`, `classifier_activation`, `name`. Returns a Keras `Model`. Needs `channels_last`.
    """


@keras_export("keras.applications.densenet.DenseNet121", "keras.applications.DenseNet121")
def DenseNet121(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                classes=1000, classifier_activation="softmax", name="densenet121"):
    return DenseNet([6, 12, 24, 16], include_top, weights, input_tensor, input_shape, pooling, classes,
                    classifier_activation, name, "densenet121")


@keras_export("keras.applications.densenet.DenseNet169", "keras.applications.DenseNet169")
def DenseNet169(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                classes=1000, classifier_activation="softmax", name="densenet169"):
    return DenseNet([6, 12, 32, 32], include_top, weights, input_tensor, input_shape, pooling, classes,
                    classifier_activation, name, "densenet169")


@keras_export("keras.applications.densenet.DenseNet201", "keras.applications.DenseNet201")
def DenseNet201(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                classes=1000, classifier_activation="softmax", name="densenet201"):
    return DenseNet([6, 12, 48, 32], include_top, weights, input_tensor, input_shape, pooling, classes,
                    classifier_activation, name, "densenet201")


DenseNet121.__doc__ = _DOC.format("DenseNet121")
DenseNet169.__doc__ = _DOC.format("DenseNet169")
DenseNet201.__doc__ = _DOC.format("DenseNet201")


@keras_export("keras.applications.densenet.preprocess_input")
def preprocess_input(x, data_format=None):
    """Preprocess images for DenseNet: scaled to [0, 1], then normalized with the ImageNet mean and std."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="torch")


@keras_export("keras.applications.densenet.decode_predictions")
def decode_predictions(preds, top=5):
    """Decode ImageNet predictions into `(class_name, class_description, score)` tuples."""
    return imagenet_utils.decode_predictions(preds, top=top)
