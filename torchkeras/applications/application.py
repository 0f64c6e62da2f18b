"""What every application shares: its input, its optional pooling, and the functional model around them."""
from torchkeras import backend
from torchkeras import layers
from torchkeras.applications import imagenet_utils
from torchkeras.models.functional import Functional


def channel_axis(negative=False):
    """The channel axis of a 4D image batch in the current `image_data_format()` (3, or -1 if `negative`)."""
    if backend.image_data_format() == "channels_first":
        return 1
    return -1 if negative else 3


def require_channels_last(family):
    if backend.image_data_format() == "channels_first":
        raise ValueError(
            f"{family} does not support the `channels_first` image data format. Switch to `channels_last` by "
            "editing your local config file at ~/.keras/keras.json"
        )


def image_input(input_tensor, input_shape):
    """The model's input: `input_tensor` if it is a Keras tensor, else a new `Input` of `input_shape`."""
    if input_tensor is None:
        return layers.Input(shape=input_shape)
    if not backend.is_keras_tensor(input_tensor):
        return layers.Input(tensor=input_tensor, shape=input_shape)
    return input_tensor


def source_inputs(tensor):
    """The `Input` tensors that `tensor` is computed from (a list, without repeats)."""
    history = getattr(tensor, "_keras_history", None)
    if history is None or not history.operation._inbound_nodes:
        return [tensor]
    node = history.operation._inbound_nodes[history.node_index]
    if node.is_input:
        return list(node.outputs)
    sources = []
    for parent in node.input_tensors:
        for source in source_inputs(parent):
            if all(source is not s for s in sources):
                sources.append(source)
    return sources


def global_pool(x, pooling, avg_name=None, max_name=None):
    """`pooling="avg"` or `"max"`: global pooling of the features; None: the 4D features as they are."""
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name=avg_name)(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name=max_name)(x)
    return x


def classifier_top(x, include_top, pooling, classes, classifier_activation, weights, avg_name=None, max_name=None):
    """The common end of the ImageNet classifiers: with `include_top`, average pooling (`avg_pool`) and the
    `predictions` Dense layer; without, the optional global pooling of the features (`global_pool`)."""
    if not include_top:
        return global_pool(x, pooling, avg_name, max_name)
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    imagenet_utils.validate_activation(classifier_activation, weights)
    return layers.Dense(classes, activation=classifier_activation, name="predictions")(x)


def functional_model(img_input, input_tensor, outputs, name):
    """The application's model; built on `input_tensor`, it starts from the inputs that tensor comes from."""
    inputs = source_inputs(input_tensor) if input_tensor is not None else img_input
    return Functional(inputs, outputs, name=name)
