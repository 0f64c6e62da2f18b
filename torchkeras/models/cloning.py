"""`keras.models.clone_model`: a new model with the same architecture and freshly initialized weights."""
from torchkeras.api_export import keras_export
from torchkeras.layers.core.input_layer import InputLayer
from torchkeras.saving import serialization_lib


def _default_clone(layer):
    return layer.__class__.from_config(layer.get_config())


@keras_export("keras.models.clone_model")
def clone_model(model, input_tensors=None, clone_function=None, call_function=None, recursive=False, **kwargs):
    """Clone a Sequential or functional model (new layers, new weights; no weights are copied).

    `clone_function(layer)` makes each new layer (default: `layer.__class__.from_config(layer.get_config())`).
    """
    from torchkeras.models.functional import Functional
    from torchkeras.models.functional_config import functional_from_config
    from torchkeras.models.sequential import Sequential

    clone_function = clone_function or _default_clone
    if call_function is not None:
        raise ValueError("`call_function` is not supported by torchkeras's clone_model yet.")

    def clone_layer(layer):
        if recursive and isinstance(layer, (Sequential, Functional)):
            return clone_model(layer, clone_function=clone_function, recursive=True)
        if isinstance(layer, InputLayer):
            return InputLayer.from_config(layer.get_config())
        return clone_function(layer)

    if isinstance(model, Sequential):
        layers = list(model._seq_layers)
        if input_tensors is not None:
            new_layers = [t._keras_history[0] for t in (input_tensors if isinstance(input_tensors, list)
                                                         else [input_tensors])]
            layers = [l for l in layers if not isinstance(l, InputLayer)]
            new_layers += [clone_layer(l) for l in layers]
        else:
            new_layers = [clone_layer(l) for l in layers]
        return Sequential(new_layers, name=model.name, trainable=model.trainable)
    if isinstance(model, Functional) or getattr(model, "_graph_plan", None) is not None:
        by_name = {l.name: l for l in model._operations}

        def make(entry):
            original = by_name.get(entry.get("name"))
            if original is None or not hasattr(original, "get_config") or not hasattr(original, "built"):
                return serialization_lib.deserialize_keras_object(
                    {k: v for k, v in entry.items() if k not in ("inbound_nodes", "name")})
            return clone_layer(original)

        return functional_from_config(Functional, model.get_config(), make_layer=make)
    try:
        return model.__class__.from_config(model.get_config())
    except Exception as e:
        raise ValueError(
            f"Unable to clone model {model.name}: subclassed models can be cloned only when they implement "
            f"`get_config()` and `from_config()`. Error: {e}"
        ) from e
