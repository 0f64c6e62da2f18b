"""The active `keras.distribution` and the hooks low-level code calls into it (creating a variable, adding a
layer's weight), kept in a module that imports nothing from torchkeras: layers, variables and optimizers reach
the distribution through here without importing the distribution machinery (and without an import cycle)."""

GLOBAL = {"distribution": None}
_HOOKS = {}


def current():
    """The distribution set with `keras.distribution.set_distribution` (None when there is none)."""
    return GLOBAL["distribution"]


def distribute_variable(layer, variable):
    """Called by `Layer.add_weight` for each new weight: the variable itself, or its sharded version."""
    distribution = GLOBAL["distribution"]
    if distribution is None or not distribution._is_multi_process:
        return variable
    return distribution._distribute_variable(layer, variable)


def register_hook(name, fn):
    _HOOKS[name] = fn


def variable_with_layout(variable, layout):
    """`keras.Variable(..., layout=...)`: the variable placed by the layout (a `keras.distribution.TensorLayout`,
    so `keras.distribution` is imported and its hook registered)."""
    hook = _HOOKS.get("variable_with_layout")
    if hook is None:
        raise ValueError(f"`layout` must be a `keras.distribution.TensorLayout`. Received: layout={layout!r}")
    return hook(variable, layout)
