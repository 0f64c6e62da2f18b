"""VGG19: VGG16 with a fourth convolution in blocks 3, 4 and 5.

Reference: [Very Deep Convolutional Networks for Large-Scale Image Recognition](https://arxiv.org/abs/1409.1556)
(ICLR 2015). Inputs are preprocessed with `keras.applications.vgg19.preprocess_input` (RGB to BGR, then
zero-centered with the ImageNet means, no scaling).
"""
from torchkeras.api_export import keras_export
from torchkeras.applications import imagenet_utils
from torchkeras.applications.vgg16 import VGG


@keras_export("keras.applications.vgg19.VGG19", "keras.applications.VGG19")
def VGG19(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None, classes=1000,
          classifier_activation="softmax", name="vgg19"):
    """Instantiate the VGG19 model (arguments as `keras.applications.VGG16`)."""
    return VGG((2, 2, 4, 4, 4), include_top, weights, input_tensor, input_shape, pooling, classes,
               classifier_activation, name, "vgg19")


@keras_export("keras.applications.vgg19.preprocess_input")
def preprocess_input(x, data_format=None):
    """Preprocess images for VGG19: RGB to BGR, then zero-center each channel with the ImageNet means."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


@keras_export("keras.applications.vgg19.decode_predictions")
def decode_predictions(preds, top=5):
    """Decode ImageNet predictions into `(class_name, class_description, score)` tuples."""
    return imagenet_utils.decode_predictions(preds, top=top)
