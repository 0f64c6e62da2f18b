"""Keras 2 module paths are aliases of the modern objects (same objects), warning once with the modern name."""
import importlib
import sys
import warnings

import numpy as np
import pytest

import torchkeras
from torchkeras import layers

# Keras 2.3's names per module (from its source), mapped to where they live today.
KERAS2_MODULES = {
    "layers.core": ("Masking Dropout SpatialDropout1D SpatialDropout2D SpatialDropout3D Activation Reshape Permute "
                    "Flatten RepeatVector Lambda Dense ActivityRegularization"),
    "layers.convolutional": ("Conv1D Conv2D Conv3D Conv2DTranspose Conv3DTranspose SeparableConv1D SeparableConv2D "
                             "DepthwiseConv2D UpSampling1D UpSampling2D UpSampling3D ZeroPadding1D ZeroPadding2D "
                             "ZeroPadding3D Cropping1D Cropping2D Cropping3D Convolution1D Convolution2D "
                             "Convolution3D SeparableConvolution1D SeparableConvolution2D Convolution2DTranspose "
                             "Deconvolution2D Deconv2D Deconvolution3D Deconv3D MaxPooling1D MaxPooling2D "
                             "MaxPooling3D AveragePooling1D AveragePooling2D AveragePooling3D"),
    "layers.pooling": ("MaxPooling1D AveragePooling1D MaxPooling2D AveragePooling2D MaxPooling3D AveragePooling3D "
                       "GlobalAveragePooling1D GlobalMaxPooling1D GlobalAveragePooling2D GlobalMaxPooling2D "
                       "GlobalAveragePooling3D GlobalMaxPooling3D AvgPool1D MaxPool1D AvgPool2D MaxPool2D AvgPool3D "
                       "MaxPool3D GlobalMaxPool1D GlobalMaxPool2D GlobalMaxPool3D GlobalAvgPool1D GlobalAvgPool2D "
                       "GlobalAvgPool3D"),
    "layers.recurrent": "StackedRNNCells RNN SimpleRNNCell SimpleRNN GRUCell GRU LSTMCell LSTM",
    "layers.embeddings": "Embedding",
    "layers.normalization": "BatchNormalization",
    "layers.merge": ("Add Subtract Multiply Average Maximum Minimum Concatenate Dot add subtract multiply average "
                     "maximum minimum concatenate dot"),
    "layers.advanced_activations": "LeakyReLU PReLU ELU ThresholdedReLU Softmax ReLU",
    "layers.noise": "GaussianNoise GaussianDropout AlphaDropout",
    "layers.wrappers": "Wrapper TimeDistributed Bidirectional",
    "layers.local": "LocallyConnected1D LocallyConnected2D",
    "layers.convolutional_recurrent": "ConvLSTM2D",
    "layers.cudnn_recurrent": "CuDNNGRU CuDNNLSTM",
}


@pytest.mark.parametrize("module", sorted(KERAS2_MODULES))
def test_keras2_layer_modules_hold_the_modern_classes(module):
    mod = importlib.import_module(f"torchkeras.{module}")
    for name in KERAS2_MODULES[module].split():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            obj = getattr(mod, name)
        assert obj is getattr(layers, name), (module, name)


def test_from_keras_layers_core_import_the_usual_names():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from torchkeras.layers.core import Activation, Dense, Dropout, Flatten, Lambda
    model = torchkeras.Sequential([torchkeras.Input((2, 3)), Flatten(), Dense(4), Activation("relu"), Dropout(0.5),
                                   Lambda(lambda t: t * 2)])
    assert isinstance(model.layers[1], layers.Dense) and model.predict(np.ones((1, 2, 3)), verbose=0).shape == (1, 4)
    config = model.get_config()
    assert [c["class_name"] for c in config["layers"]][-5:] == ["Flatten", "Dense", "Activation", "Dropout", "Lambda"]
    # the modern sub-package still works as before
    from torchkeras.layers.core import dense

    assert dense.Dense is layers.Dense


def test_old_paths_warn_once_naming_the_modern_spelling(fresh_warnings):
    for name in [n for n in list(sys.modules) if n == "torchkeras.layers.merge"]:
        del sys.modules[name]
    with pytest.warns(DeprecationWarning, match=r"keras\.layers\.core\.Dropout.*Use `keras\.layers\.Dropout`"):
        from torchkeras.layers.core import Dropout  # noqa: F401
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        from torchkeras.layers.core import Dropout as again  # noqa: F401  (second access: silent)
    with pytest.warns(DeprecationWarning, match=r"`keras\.layers\.merge` is a Keras 2 module path"):
        importlib.import_module("torchkeras.layers.merge")


def test_engine_modules():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from torchkeras.engine import Input, InputLayer, InputSpec, Layer, Model, get_source_inputs
        from torchkeras.engine import base_layer, input_layer, network, saving, sequential, topology, training
    assert Model is torchkeras.Model and Layer is torchkeras.Layer and InputSpec is torchkeras.InputSpec
    assert Input is torchkeras.Input and InputLayer is layers.InputLayer
    assert topology.Layer is torchkeras.Layer and topology.Network is torchkeras.Model
    assert training.Model is torchkeras.Model and sequential.Sequential is torchkeras.Sequential
    assert network.Network is torchkeras.Model and input_layer.Input is torchkeras.Input
    assert base_layer.Layer is torchkeras.Layer and saving.load_model is torchkeras.models.load_model
    a, b = torchkeras.Input((3,)), torchkeras.Input((3,))
    out = layers.Dense(2)(layers.add([a, b]))
    assert get_source_inputs(out) == [a, b] and get_source_inputs(a) == [a]
    assert torchkeras.utils.get_source_inputs is get_source_inputs

    class Custom(topology.Layer):  # Keras 2 style subclass of the old path
        def call(self, x):
            return x + 1

    assert isinstance(Custom(), torchkeras.Layer)


def test_utils_modules(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from torchkeras.utils import conv_utils, data_utils, generic_utils, io_utils, layer_utils, np_utils, vis_utils
    np.testing.assert_array_equal(np_utils.to_categorical([0, 2], 3), [[1, 0, 0], [0, 0, 1]])
    assert np_utils.normalize is torchkeras.utils.normalize
    assert data_utils.Sequence is torchkeras.utils.Sequence and data_utils.get_file is torchkeras.utils.get_file
    assert generic_utils.to_list((1, 2)) == [(1, 2)] and generic_utils.to_list((1, 2), allow_tuple=True) == [1, 2]
    assert generic_utils.has_arg(lambda x, y=1: 0, "y") and not generic_utils.has_arg(lambda x: 0, "y")
    assert generic_utils.has_arg(lambda **kw: 0, "y", accept_all=True)
    assert generic_utils.unpack_singleton([5]) == 5 and generic_utils.is_all_none([None, None])
    arr = np.arange(10)
    np.testing.assert_array_equal(generic_utils.slice_arrays([arr, arr], 2, 4)[1], [2, 3])
    np.testing.assert_array_equal(generic_utils.slice_arrays(arr, [3, 1]), [3, 1])
    assert generic_utils.transpose_shape((16, 128, 128, 32), "channels_first", (1, 2)) == (16, 32, 128, 128)
    assert generic_utils.CustomObjectScope is torchkeras.utils.CustomObjectScope
    assert vis_utils.plot_model is torchkeras.utils.plot_model
    assert conv_utils.conv_output_length(10, 3, "valid", 2) == 4 and conv_utils.conv_output_length(10, 3, "same", 2) == 5
    assert conv_utils.conv_input_length(4, 3, "valid", 2) == 9
    assert conv_utils.deconv_length(4, 2, 3, "valid", None) == 9 and conv_utils.deconv_length(4, 2, 3, "same", 1) == 8
    assert conv_utils.normalize_tuple(3, 2, "k") == (3, 3)
    kernel = np.arange(2 * 3 * 1 * 1).reshape(2, 3, 1, 1)
    np.testing.assert_array_equal(conv_utils.convert_kernel(kernel)[..., 0, 0], kernel[::-1, ::-1, 0, 0])
    dense = layers.Dense(2)
    dense.build((None, 12))
    assert layer_utils.count_params(dense.weights) == 26
    # HDF5Matrix reads rows lazily, with a start offset and a normalizer
    import h5py

    path = str(tmp_path / "data.h5")
    with h5py.File(path, "w") as f:
        f["x"] = np.arange(20, dtype="float32").reshape(10, 2)
    matrix = io_utils.HDF5Matrix(path, "x", start=2, end=8, normalizer=lambda v: v * 10)
    assert len(matrix) == 6 and matrix.shape == (6, 2) and matrix.ndim == 2
    np.testing.assert_array_equal(matrix[0], [40, 50])
    np.testing.assert_array_equal(matrix[[3, 1]], [[100, 110], [60, 70]])
    np.testing.assert_array_equal(matrix[1:3], [[60, 70], [80, 90]])
    with pytest.raises(IndexError):
        matrix[6]


def test_convert_dense_weights_data_format():
    from torchkeras.utils import layer_utils

    dense = layers.Dense(2)
    dense.build((None, 2 * 3 * 4))
    kernel = np.random.default_rng(0).standard_normal((24, 2)).astype("float32")
    dense.set_weights([kernel, np.zeros(2, "float32")])
    layer_utils.convert_dense_weights_data_format(dense, (4, 2, 3), target_data_format="channels_first")
    features_last = np.random.default_rng(1).standard_normal((2, 3, 4)).astype("float32")  # (h, w, c)
    features_first = features_last.transpose(2, 0, 1)
    np.testing.assert_allclose(features_first.reshape(-1) @ dense.get_weights()[0],
                               features_last.reshape(-1) @ kernel, rtol=1e-5, atol=1e-5)


def test_keras_legacy_package():
    from torchkeras import legacy

    assert legacy.layers.MaxoutDense is layers.MaxoutDense and legacy.layers.Highway is layers.Highway
    assert legacy.layers.Recurrent is layers.RNN
    interfaces = legacy.interfaces

    class Old:
        @interfaces.legacy_dense_support
        def __init__(self, units, kernel_initializer=None, use_bias=True):
            self.units, self.kernel_initializer, self.use_bias = units, kernel_initializer, use_bias

    expected = r'Keras 2 API: `Old\(units=3, kernel_initializer="zeros", use_bias=False\)`'
    with pytest.warns(UserWarning, match=expected):
        old = Old(output_dim=3, init="zeros", bias=False)
    assert (old.units, old.kernel_initializer, old.use_bias) == (3, "zeros", False)
    with pytest.raises(TypeError, match="can accept only 1 positional arguments"):
        Old(1, 2)
    with pytest.raises(TypeError, match="Stick to the latter"):
        Old(units=2, output_dim=3)


def test_keras2_names_in_the_layers_namespace():
    for name in ["LocallyConnected1D", "LocallyConnected2D", "CuDNNLSTM", "CuDNNGRU", "ThresholdedReLU", "Merge",
                 "merge", "MaxoutDense", "Highway", "AtrousConvolution1D", "AtrousConvolution2D"]:
        assert hasattr(layers, name), name
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        conv = layers.AtrousConvolution2D(4, (3, 3), atrous_rate=(2, 2), padding="same")
    assert isinstance(conv, layers.Conv2D) and conv.dilation_rate == (2, 2)
