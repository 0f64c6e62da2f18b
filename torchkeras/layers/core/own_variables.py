"""`save_own_variables` / `load_own_variables` of layers whose stored variables differ from `layer.weights`
(quantized and LoRA layers): the store holds a list of variables in Keras's order, under keys "0", "1", ..."""
import numpy as np
import torch


def write(store, values):
    """Store `values` (variables or tensors) under "0", "1", ... in order."""
    for i, value in enumerate(values):
        store[str(i)] = value.detach() if isinstance(value, torch.Tensor) and \
            not isinstance(value, torch.nn.Parameter) else value


def check_count(layer, store, expected):
    """Keras's error when the store does not hold as many variables as the layer expects."""
    n = len(list(store.keys()))
    if n != len(expected):
        raise ValueError(f"Layer '{layer.name}' expected {len(expected)} variables, but received {n} variables "
                         f"during loading. Expected: {[v.name for v in expected]}")


def _array(value):
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def check(layer, store, targets, count=True):
    """Raise if `store` cannot be loaded into `targets`: the variable count (unless `count=False`, as for a LoRA
    layer whose store holds the merged weight only), every shape, and integer variables given float data.
    Returns the arrays, in order."""
    if count:
        check_count(layer, store, layer._trainable_variables + layer._non_trainable_variables)
    arrays = []
    keys = set(store.keys())
    for i, variable in enumerate(targets):
        key = str(i)
        if key not in keys:
            raise ValueError(f"Layer '{layer.name}' expected {len(targets)} variables, but the file has no "
                             f"variable '{key}' for `{variable.name}`.")
        array = _array(store[key])
        if tuple(array.shape) != tuple(variable.shape):
            raise ValueError(f"Layer '{layer.name}' weight `{variable.name}` has shape {tuple(variable.shape)}, but "
                             f"the file holds shape {tuple(array.shape)}.")
        if not variable.is_floating_point() and array.dtype.kind == "f":
            raise ValueError(f"Layer '{layer.name}' weight `{variable.name}` is {variable.dtype}, but the file "
                             f"holds {array.dtype} values: was the file saved from a quantized layer of the same "
                             "mode?")
        arrays.append(array)
    return arrays


def assign(targets, arrays):
    with torch.no_grad():
        for variable, array in zip(targets, arrays):
            variable.copy_(torch.as_tensor(array).to(variable.dtype))
