"""Names Keras exports for its JAX and TensorFlow backends exist here too, and refuse as Keras 3 on torch does,
saying what to use instead."""
import pytest

import torchkeras as keras


def test_jax_and_flax_layers_refuse_on_torch():
    with pytest.raises(ValueError, match="JaxLayer is only supported with the JAX or Tensorflow backend. "
                                         "Current backend: torch.*TorchModuleWrapper"):
        keras.layers.JaxLayer(call_fn=lambda params, x: x)
    with pytest.raises(ValueError, match="FlaxLayer is only supported with the JAX or Tensorflow backend"):
        keras.layers.FlaxLayer(module=object())
    assert issubclass(keras.layers.FlaxLayer, keras.layers.JaxLayer)


def test_tfsm_layer_refuses_and_names_the_loaders():
    with pytest.raises(NotImplementedError, match="only currently supported with the TensorFlow backend.*"
                                                  "load_model"):
        keras.layers.TFSMLayer("saved_model_dir")


def test_orbax_checkpoint_refuses_and_names_model_checkpoint():
    with pytest.raises(ImportError, match="requires the 'orbax-checkpoint' package.*ModelCheckpoint"):
        keras.callbacks.OrbaxCheckpoint("ckpt")
