"""Precomputed per-step lists for an optimizer: which variables, slots and flags each update touches.

An optimizer is applied every training step to the same variables, so everything that depends only on the
variable list (grouping by device and dtype, the matching slot variables, which variables take weight decay
or have a constraint) is computed once here, when the optimizer first updates those variables. The per-step
code then only runs `torch._foreach_*` math on these lists. (So a `variable.constraint` set after that
first update is not seen; `exclude_from_weight_decay` rebuilds the lists.)
"""
from torchkeras.distribution import dtensor_utils


class VariableGroup:
    """Variables that share a device and dtype, with their slot variables in the same order.

    `params[i]`'s slot `name` is `slots[name][i]`; `positions[i]` is its place in the gradient list given
    to the update, and `indices[i]` its index in the optimizer's trainable variables.
    """

    __slots__ = ("device", "dtype", "params", "slots", "positions", "indices", "decay_params")

    def __init__(self, device, dtype, slot_names):
        self.device = device
        self.dtype = dtype
        self.params = []
        self.slots = {name: [] for name in slot_names}
        self.positions = []
        self.indices = []
        self.decay_params = []


class UpdatePlan:
    """The lists for one set of variables (all of them, or those that received a gradient)."""

    __slots__ = ("indices", "variables", "groups", "single", "accumulators", "constrained")

    def __init__(self, optimizer, indices):
        variables = optimizer._trainable_variables
        self.indices = list(indices)
        self.variables = [variables[i] for i in self.indices]
        slot_lists = optimizer._slot_lists()
        by_key = {}
        for position, index in enumerate(self.indices):
            variable = variables[index]
            # keras.distribution: sharded (DTensor) variables update in their own group (foreach ops can't mix).
            key = (variable.device, variable.dtype, dtensor_utils.is_dtensor(variable))
            group = by_key.get(key)
            if group is None:
                group = by_key[key] = VariableGroup(variable.device, variable.dtype, slot_lists)
            group.params.append(variable)
            group.positions.append(position)
            group.indices.append(index)
            for name, slot_list in slot_lists.items():
                group.slots[name].append(slot_list[index])
            if optimizer._use_weight_decay(variable):
                group.decay_params.append(variable)
        self.groups = list(by_key.values())
        self.single = len(self.groups) == 1
        accumulators = getattr(optimizer, "_accumulated_gradients", None)
        self.accumulators = [accumulators[i] for i in self.indices] if accumulators else []
        self.constrained = [v for v in self.variables if getattr(v, "constraint", None) is not None]

    def split(self, tensors):
        """Yield `(group, tensors of that group)` for a list aligned with this plan's variables."""
        if self.single:
            yield self.groups[0], tensors
            return
        for group in self.groups:
            yield group, [tensors[p] for p in group.positions]
