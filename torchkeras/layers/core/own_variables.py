"""`save_own_variables` / `load_own_variables` of layers whose stored variables differ from `layer.weights`
(quantized and LoRA layers): the store holds a list of variables in Keras's order, under keys "0", "1", ..."""
import numpy as np
import torch

from torchkeras.layers.core import lora


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
    layer whose store holds the merged weight only), every key, shape and dtype (numeric; an integer variable
    takes no float data). Returns the arrays, in order."""
    if count:
        check_count(layer, store, layer._trainable_variables + layer._non_trainable_variables)
    arrays = []
    keys = set(store.keys())
    owner = f"layer '{layer.name}'"
    for i, variable in enumerate(targets):
        if str(i) not in keys:
            raise ValueError(f"Layer '{layer.name}' expected the variables '0' to '{len(targets) - 1}' in the "
                             f"weights file, which lists {sorted(keys)}.")
        array = _array(store[str(i)])
        name = getattr(variable, "path", None) or variable.name
        if array.dtype.kind not in "biuf" and array.dtype.name != "bfloat16":
            raise ValueError(f"The saved value for the weight {name} of {owner} has the dtype {array.dtype}, which "
                             f"cannot become the variable's dtype {str(variable.dtype).replace('torch.', '')}. The "
                             "file is damaged or not a Keras weights file.")
        if tuple(array.shape) != tuple(variable.shape):
            raise ValueError(f"Shape mismatch in {owner} for weight {name}: expected shape "
                             f"{tuple(variable.shape)}, received {tuple(array.shape)}")
        if not variable.is_floating_point() and array.dtype.kind == "f":
            raise ValueError(f"The saved value for the weight {name} of {owner} is {array.dtype}, but the variable "
                             f"is {str(variable.dtype).replace('torch.', '')}: was the file saved from a layer "
                             "quantized in the same mode?")
        arrays.append(array.astype("float32") if array.dtype.name == "bfloat16" else array)
    return arrays


def assign(targets, arrays):
    with torch.no_grad():
        for variable, array in zip(targets, arrays):
            variable.copy_(torch.as_tensor(array).to(device=variable.device, dtype=variable.dtype))


class MergedLoraVariables:
    """`save_own_variables` / `load_own_variables` of a layer that may be quantized or carry LoRA weights (Dense,
    EinsumDense, Embedding): Keras's variables in Keras's order, with a LoRA update merged into the saved
    weight (re-quantized for int8 / int4); loading restarts the LoRA weights from zero.

    The layer provides `_variables_to_save()`, `_variables_to_load()` and `_lora_weights()` (its `(a, b)`).
    """

    def save_own_variables(self, store):
        if not self.built:
            return
        write(store, self._variables_to_save())

    def _check_load_own_variables(self, store):
        """Raise if `load_own_variables(store)` would fail (count, shapes, dtypes); changes nothing."""
        if self.built:
            check(self, store, self._variables_to_load(), count=not self.lora_enabled)
        elif not self.lora_enabled:
            check_count(self, store, self._trainable_variables + self._non_trainable_variables)

    def load_own_variables(self, store):
        if not self.built:
            self._check_load_own_variables(store)
            return
        targets = self._variables_to_load()
        assign(targets, check(self, store, targets, count=not self.lora_enabled))
        if self.lora_enabled:
            lora.reset(*self._lora_weights())
