"""VGG16 (and the VGG body shared with VGG19).

Reference: [Very Deep Convolutional Networks for Large-Scale Image Recognition](https://arxiv.org/abs/1409.1556)
(ICLR 2015). Inputs are preprocessed with `keras.applications.vgg16.preprocess_input` (RGB to BGR, then
zero-centered with the ImageNet means, no scaling).
"""
from torchkeras import backend
from torchkeras import layers
from torchkeras.api_export import keras_export
from torchkeras.applications import application
from torchkeras.applications import imagenet_utils
from torchkeras.applications import weights as weight_files


def VGG(convs_per_block, include_top, weights, input_tensor, input_shape, pooling, classes,
        classifier_activation, name, weights_name):
    """Five blocks of 3x3 convolutions (64, 128, 256, 512, 512 filters) each followed by 2x2 max pooling,
    then (with `include_top`) two 4096-unit dense layers and the classifier."""
    weight_files.check_weights_argument(weights, include_top, classes)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=224, min_size=32, data_format=backend.image_data_format(),
        require_flatten=include_top, weights=weights)
    img_input = application.image_input(input_tensor, input_shape)
    x = img_input
    for block, (filters, convs) in enumerate(zip((64, 128, 256, 512, 512), convs_per_block), start=1):
        for i in range(1, convs + 1):
            x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same", name=f"block{block}_conv{i}")(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = application.global_pool(x, pooling)
    model = application.functional_model(img_input, input_tensor, x, name)
    notop = "" if include_top else "_notop"
    return weight_files.load_weights(model, weights, f"{weights_name}_weights_tf_dim_ordering_tf_kernels{notop}.h5")


@keras_export("keras.applications.vgg16.VGG16", "keras.applications.VGG16")
def VGG16(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None, classes=1000,
          classifier_activation="softmax", name="vgg16"):
    """Instantiate the VGG16 model (optionally with weights pre-trained on ImageNet).

    Args: `include_top` (the 3 fully-connected layers on top), `weights` (None, "imagenet" or a weights file
    path), `input_tensor`, `input_shape` (without `include_top`; at least 32x32), `pooling` (None, "avg" or
    "max", without `include_top`), `classes`, `classifier_activation`, `name`. Returns a Keras `Model`.
    """
    return VGG((2, 2, 3, 3, 3), include_top, weights, input_tensor, input_shape, pooling, classes,
               classifier_activation, name, "vgg16")


@keras_export("keras.applications.vgg16.preprocess_input")
def preprocess_input(x, data_format=None):
    """Preprocess images for VGG16: RGB to BGR, then zero-center each channel with the ImageNet means."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


@keras_export("keras.applications.vgg16.decode_predictions")
def decode_predictions(preds, top=5):
    """Decode ImageNet predictions into `(class_name, class_description, score)` tuples."""
    return imagenet_utils.decode_predictions(preds, top=top)
