"""`keras.layers.Bidirectional`: runs an RNN forwards and a copy of it backwards, and merges the outputs."""
import copy

import torch

from torchkeras.api_export import keras_export
from torchkeras.layers.layer import Layer
from torchkeras.layers.layer import call_signature_info
from torchkeras.layers.recurrent import fused
from torchkeras.layers.recurrent import rnn_utils
from torchkeras.layers.recurrent.rnn import RNN
from torchkeras.saving import serialization_lib

_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


def _strip(name, prefix):
    return name[len(prefix):] if name.startswith(prefix) else name


def _copy_layer(layer, name, go_backwards=None):
    config = serialization_lib.serialize_keras_object(layer)
    config["config"]["name"] = name
    if go_backwards is not None:
        config["config"]["go_backwards"] = go_backwards
    return serialization_lib.deserialize_keras_object(config)


@keras_export("keras.layers.Bidirectional")
class Bidirectional(Layer):
    """Bidirectional wrapper for RNNs.

    `layer` is copied into a forward layer and a `go_backwards=True` backward layer (or `backward_layer` is
    used). Outputs are merged with `merge_mode`: "concat" (default), "sum", "mul", "ave", or None (a list of
    both). Weights: the forward layer's, then the backward layer's.
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(
                f"Please initialize `Bidirectional` layer with a `keras.layers.Layer` instance. Received: {layer}")
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError(
                f"`backward_layer` need to be a `keras.layers.Layer` instance. Received: {backward_layer}")
        if merge_mode not in _MERGE_MODES:
            raise ValueError(
                f"Invalid merge mode. Received: {merge_mode}. Merge mode should be one of "
                '{"sum", "mul", "ave", "concat", None}'
            )
        super().__init__(**kwargs)
        self.forward_layer = _copy_layer(layer, f"forward_{_strip(layer.name, 'forward_')}")
        if backward_layer is None:
            backward_layer = _copy_layer(layer, f"backward_{_strip(layer.name, 'backward_')}", go_backwards=True)
        self.backward_layer = backward_layer
        if hasattr(layer, "use_cudnn"):
            self.forward_layer.use_cudnn = layer.use_cudnn
            self.backward_layer.use_cudnn = layer.use_cudnn
        self._verify_layer_config()
        for sub in (self.forward_layer, self.backward_layer):
            if getattr(sub, "zero_output_for_mask", None) is not None:
                sub.zero_output_for_mask = sub.return_sequences
        self.merge_mode = merge_mode
        if weights:
            n = len(weights)
            self.forward_layer._initial_weights = list(weights[: n // 2])
            self.backward_layer._initial_weights = list(weights[n // 2:])
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True
        self.input_spec = layer.input_spec

    def _verify_layer_config(self):
        if self.forward_layer.go_backwards == self.backward_layer.go_backwards:
            raise ValueError(
                "Forward layer and backward layer should have different `go_backwards` value. Received: "
                f"forward_layer.go_backwards {self.forward_layer.go_backwards}, "
                f"backward_layer.go_backwards={self.backward_layer.go_backwards}"
            )
        for attr in ("stateful", "return_sequences", "return_state"):
            forward_value = getattr(self.forward_layer, attr)
            backward_value = getattr(self.backward_layer, attr)
            if forward_value != backward_value:
                raise ValueError(
                    "Forward layer and backward layer are expected to have the same value for attribute "
                    f'"{attr}", got "{forward_value}" for forward layer and "{backward_value}" for backward layer'
                )

    # --- shapes and masks ----------------------------------------------------------------------------------
    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        output_shape = self.forward_layer.compute_output_shape(sequences_shape)
        state_shape = ()
        if self.return_state:
            output_shape, state_shape = output_shape[0], tuple(output_shape[1:])
        if self.merge_mode == "concat":
            output_shape = tuple(output_shape[:-1]) + (output_shape[-1] * 2,)
        elif self.merge_mode is None:
            output_shape = [tuple(output_shape), tuple(output_shape)]
        if self.return_state:
            if self.merge_mode is None:
                return tuple(output_shape) + state_shape + state_shape
            return (tuple(output_shape),) + state_shape + state_shape
        return tuple(output_shape)

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        if self.return_sequences:
            output_mask = [mask, mask] if not self.merge_mode else mask
        else:
            output_mask = [None, None] if not self.merge_mode else None
        if self.return_state:
            n_states = len(self.forward_layer.state_size) if hasattr(self.forward_layer, "state_size") else 1
            state_mask = [None] * (2 * n_states)
            if isinstance(output_mask, list):
                return output_mask + state_mask
            return [output_mask] + state_mask
        return output_mask

    # --- building ----------------------------------------------------------------------------------------
    def build(self, sequences_shape, initial_state_shape=None):
        rnn_utils.build_sublayer(self.forward_layer, tuple(sequences_shape), parent=self)
        rnn_utils.build_sublayer(self.backward_layer, tuple(sequences_shape), parent=self)
        self.built = True

    # --- states ------------------------------------------------------------------------------------------
    @property
    def states(self):
        forward_states = getattr(self.forward_layer, "states", None)
        backward_states = getattr(self.backward_layer, "states", None)
        if forward_states and backward_states:
            return tuple(list(forward_states) + list(backward_states))
        return None

    def reset_states(self, states=None):
        """Keras 2 alias of `reset_state`."""
        self.reset_state(states)

    def reset_state(self, states=None):
        if not self.stateful:
            raise AttributeError("Layer must be stateful.")
        if states is None:
            self.forward_layer.reset_state()
            self.backward_layer.reset_state()
            return
        states = list(states)
        half = len(states) // 2
        self.forward_layer.reset_state(states[:half])
        self.backward_layer.reset_state(states[half:])

    # --- calling -----------------------------------------------------------------------------------------
    def call(self, sequences, initial_state=None, mask=None, training=None):
        result = self._call_fused(sequences, initial_state, mask, training)
        if result is not None:
            y, y_rev, states = result
        else:
            y, y_rev, states = self._call_layers(sequences, initial_state, mask, training)
        dtype = rnn_utils.compute_torch_dtype(self)
        y = rnn_utils.cast_floating(y, dtype)
        y_rev = rnn_utils.cast_floating(y_rev, dtype)
        output = self._merge(y, y_rev)
        if self.return_state:
            if self.merge_mode is None:
                return tuple(output) + tuple(states)
            return (output,) + tuple(states)
        return output

    def _merge(self, y, y_rev):
        if self.merge_mode == "concat":
            return torch.cat([y, y_rev], dim=-1)
        if self.merge_mode == "sum":
            return y + y_rev
        if self.merge_mode == "ave":
            return (y + y_rev) / 2
        if self.merge_mode == "mul":
            return y * y_rev
        return (y, y_rev)

    def _call_layers(self, sequences, initial_state, mask, training):
        kwargs = {}
        has_training, has_mask, _, _ = call_signature_info(self.forward_layer)
        if has_training:
            kwargs["training"] = training
        if has_mask and mask is not None:
            kwargs["mask"] = mask
        forward_state = backward_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            forward_state, backward_state = list(initial_state[:half]), list(initial_state[half:])
        if forward_state is not None:
            kwargs_f = dict(kwargs, initial_state=forward_state)
            kwargs_b = dict(kwargs, initial_state=backward_state)
        else:
            kwargs_f = kwargs_b = kwargs
        y = self.forward_layer(sequences, **kwargs_f)
        y_rev = self.backward_layer(sequences, **kwargs_b)
        states = ()
        if self.return_state:
            states = tuple(y[1:]) + tuple(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = torch.flip(y_rev, dims=(1,))
        return y, y_rev, states

    def _fusable(self, mask, initial_state):
        if mask is not None or self.stateful:
            return False
        fwd, bwd = self.forward_layer, self.backward_layer
        for layer in (fwd, bwd):
            if not isinstance(layer, RNN) or not type(layer).__module__.startswith("torchkeras.layers.recurrent"):
                return False
            if not layer.built or layer.activity_regularizer is not None:
                return False
            if getattr(layer.cell, "dropout", 0) or getattr(layer.cell, "recurrent_dropout", 0):
                return False
        if fwd.go_backwards or not bwd.go_backwards:
            return False
        if initial_state is not None and len(initial_state) != len(fwd.state_size) + len(bwd.state_size):
            return False
        return True

    def _call_fused(self, sequences, initial_state, mask, training):
        """Both directions in one bidirectional kernel call (cuDNN runs them together), when possible."""
        if not self._fusable(mask, initial_state):
            return None
        fwd, bwd = self.forward_layer, self.backward_layer
        spec_f, spec_b = fwd._fused_plan(training), bwd._fused_plan(training)
        if spec_f is None or spec_b is None or len(spec_f) != 1 or len(spec_b) != 1:
            return None
        spec_f, spec_b = spec_f[0], spec_b[0]
        if not fused.can_fuse_bidirectional(spec_f, spec_b):
            return None
        dtype = rnn_utils.compute_torch_dtype(fwd)
        sequences = rnn_utils.cast_floating(sequences, dtype)
        batch = sequences.shape[0]
        if initial_state is None:
            states_f = [s.to(sequences.device) for s in fwd.get_initial_state(batch)]
            states_b = [s.to(sequences.device) for s in bwd.get_initial_state(batch)]
        else:
            n = len(fwd.state_size)
            states_f = [rnn_utils.to_tensor(s, dtype).to(sequences.device) for s in initial_state[:n]]
            states_b = [rnn_utils.to_tensor(s, dtype).to(sequences.device) for s in initial_state[n:]]
        run = fused.outside_graph(fused.run_bidirectional) if torch.compiler.is_compiling() else fused.run_bidirectional
        y_f, y_b, fin_f, fin_b = run(spec_f, spec_b, sequences, states_f, states_b)
        if self.return_sequences:
            y, y_rev = y_f, y_b
        else:
            y, y_rev = y_f[:, -1], y_b[:, 0]
        states = tuple(fin_f) + tuple(fin_b) if self.return_state else ()
        return y, y_rev, states

    # --- config ------------------------------------------------------------------------------------------
    def get_config(self):
        config = super().get_config()
        config["merge_mode"] = self.merge_mode
        config["layer"] = serialization_lib.serialize_keras_object(self.forward_layer)
        config["backward_layer"] = serialization_lib.serialize_keras_object(self.backward_layer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = copy.deepcopy(config)
        config["layer"] = serialization_lib.deserialize_keras_object(config["layer"], custom_objects=custom_objects)
        backward_config = config.pop("backward_layer", None)
        if backward_config is not None:
            config["backward_layer"] = serialization_lib.deserialize_keras_object(
                backward_config, custom_objects=custom_objects)
        return cls(**config)
