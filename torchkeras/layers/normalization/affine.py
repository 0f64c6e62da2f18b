"""The learned `gamma` (scale) and `beta` (offset) of BatchNormalization, LayerNormalization and
GroupNormalization: their weights and their part of the config."""
from torchkeras import constraints, initializers, regularizers


def add_affine_weights(layer, shape, scale, center):
    """`layer.gamma` (when `scale`) and `layer.beta` (when `center`) of `shape`, each None otherwise; kept in
    the variable dtype (`autocast=False`)."""
    layer.gamma = layer.add_weight(shape=shape, name="gamma", initializer=layer.gamma_initializer,
                                   regularizer=layer.gamma_regularizer, constraint=layer.gamma_constraint,
                                   trainable=True, autocast=False) if scale else None
    layer.beta = layer.add_weight(shape=shape, name="beta", initializer=layer.beta_initializer,
                                  regularizer=layer.beta_regularizer, constraint=layer.beta_constraint,
                                  trainable=True, autocast=False) if center else None


def affine_config(layer, **more_initializers):
    """The serialized initializers, regularizers and constraints of `gamma` and `beta`, in Keras's order;
    `more_initializers` (BatchNormalization's moving statistics) go after gamma's initializer."""
    return {
        "beta_initializer": initializers.serialize(layer.beta_initializer),
        "gamma_initializer": initializers.serialize(layer.gamma_initializer),
        **more_initializers,
        "beta_regularizer": regularizers.serialize(layer.beta_regularizer),
        "gamma_regularizer": regularizers.serialize(layer.gamma_regularizer),
        "beta_constraint": constraints.serialize(layer.beta_constraint),
        "gamma_constraint": constraints.serialize(layer.gamma_constraint),
    }
