"""The weight arguments of the recurrent cells and layers in their configs, serialized, in Keras's order.

`obj` is a cell, or a layer whose properties forward them to its cell.
"""
from torchkeras import constraints, initializers, regularizers


def initializers_config(obj):
    return {
        "kernel_initializer": initializers.serialize(obj.kernel_initializer),
        "recurrent_initializer": initializers.serialize(obj.recurrent_initializer),
        "bias_initializer": initializers.serialize(obj.bias_initializer),
    }


def penalties_config(obj, activity=False):
    """Regularizers, constraints and dropout rates; `activity`: with the layer's `activity_regularizer`
    after the weight regularizers (where Keras's LSTM, GRU and SimpleRNN configs have it)."""
    config = {
        "kernel_regularizer": regularizers.serialize(obj.kernel_regularizer),
        "recurrent_regularizer": regularizers.serialize(obj.recurrent_regularizer),
        "bias_regularizer": regularizers.serialize(obj.bias_regularizer),
    }
    if activity:
        config["activity_regularizer"] = regularizers.serialize(obj.activity_regularizer)
    config.update({
        "kernel_constraint": constraints.serialize(obj.kernel_constraint),
        "recurrent_constraint": constraints.serialize(obj.recurrent_constraint),
        "bias_constraint": constraints.serialize(obj.bias_constraint),
        "dropout": obj.dropout,
        "recurrent_dropout": obj.recurrent_dropout,
    })
    return config
