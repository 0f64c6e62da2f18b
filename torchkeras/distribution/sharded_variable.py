"""A Keras variable split across processes: a torch DTensor with the `keras.Variable` surface.

`ShardedVariable` is both a `DTensor` (torch computes with it, FSDP2 and the optimizers update it shard by
shard) and a `keras.Variable` (name, path, trainable, regularizer, constraint, `assign`, `numpy()`), so layers,
optimizers and saving find the variable they expect. Reading the whole value (`numpy()`, `np.asarray(v)`)
gathers the shards: a collective that every process must call. Writing a whole value (`assign(full)`,
`copy_(full)` with a plain tensor: what `set_weights` and loading do) keeps this process's shard of it, with
no communication.
"""
import copy
import logging

import numpy as np
import torch
from torch.distributed.tensor import DTensor, Replicate, distribute_tensor

from torchkeras.backend.variables import Variable

_aten = torch.ops.aten


class ShardedVariable(DTensor, Variable):
    """A `keras.Variable` whose value is a DTensor (see the module docstring)."""

    __torch_function__ = torch._C._disabled_torch_function_impl

    @classmethod
    def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func is _aten.empty_like.default and args and isinstance(args[0], ShardedVariable):
            device = kwargs.get("device")
            if device is not None and torch.device(device).type == "meta":
                # Shape inference swaps weights for meta tensors: give the plain, global-shaped one.
                return torch.empty(tuple(args[0].shape), dtype=kwargs.get("dtype") or args[0].dtype, device="meta")
        return super().__torch_dispatch__(func, types, args, kwargs)

    # --- the whole value -----------------------------------------------------------------------------
    def full_value(self):
        """The whole value as a plain tensor (a collective: every process calls it)."""
        gathered = self.__dict__.get("_gathered")
        if gathered is not None:
            return gathered
        logger = logging.getLogger("torch.distributed.tensor._redistribute")
        level = logger.level
        logger.setLevel(logging.ERROR)  # not the advice on merging FSDP+TP all-gathers, once per variable
        try:
            with torch.no_grad():
                return DTensor.full_tensor(self)
        finally:
            logger.setLevel(level)

    def local_slice(self, value):
        """This process's shard of the whole value `value` (a plain tensor of the variable's shape)."""
        value = torch.as_tensor(value) if not isinstance(value, torch.Tensor) else value.detach()
        value = value.to(device=self._local_tensor.device, dtype=self.dtype)
        if tuple(value.shape) != tuple(self.shape):
            try:
                value = value.expand(self.shape)
            except RuntimeError:
                raise ValueError(
                    "The shape of the target variable and the shape of the target value in `variable.assign(value)` "
                    f"must match. variable.shape={tuple(self.shape)}, Received: value.shape={tuple(value.shape)}. "
                    f"Target variable: {self!r}"
                ) from None
        mesh = self.device_mesh
        whole = DTensor.from_local(value, mesh, [Replicate()] * mesh.ndim, run_check=False)
        return whole.redistribute(mesh, self.placements).to_local()

    def copy_(self, src, non_blocking=False):
        if isinstance(src, DTensor):
            return super().copy_(src, non_blocking)
        with torch.no_grad():
            self._local_tensor.copy_(self.local_slice(src))
        return self

    def numpy(self, *, force=False):
        return self.full_value().detach().cpu().numpy().copy()

    def __array__(self, dtype=None, copy=None):
        arr = self.full_value().detach().cpu().numpy()
        return arr.astype(dtype) if dtype is not None else arr

    def detach(self):
        gathered = self.__dict__.get("_gathered")
        if gathered is not None:  # inside a save: writers read the gathered whole value
            return gathered
        return super().detach()

    def assign(self, value):
        with torch.no_grad():
            if isinstance(value, DTensor):
                super().copy_(value)
            else:
                if not isinstance(value, torch.Tensor):
                    value = torch.as_tensor(np.asarray(value))
                self._local_tensor.copy_(self.local_slice(value))
        return self

    def assign_add(self, value):
        with torch.no_grad():
            if isinstance(value, DTensor):
                self.add_(value)
            else:
                self._local_tensor.add_(self.local_slice(torch.as_tensor(np.asarray(value)) if not isinstance(
                    value, torch.Tensor) else value))
        return self

    def assign_sub(self, value):
        with torch.no_grad():
            if isinstance(value, DTensor):
                self.sub_(value)
            else:
                self._local_tensor.sub_(self.local_slice(torch.as_tensor(np.asarray(value)) if not isinstance(
                    value, torch.Tensor) else value))
        return self

    # --- plumbing ------------------------------------------------------------------------------------
    @property
    def local_value(self):
        """This process's shard (a plain tensor sharing the variable's memory)."""
        return self._local_tensor

    def __repr__(self):
        from torchkeras.backend import dtypes

        return (
            f"<ShardedVariable path={self.path}, shape={tuple(self.shape)}, "
            f"dtype={dtypes.standardize_dtype(self.dtype)}, placements={tuple(self.placements)}, "
            f"mesh={tuple(self.device_mesh.mesh_dim_names or ())}>"
        )

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        local = self._local_tensor.clone()
        result = ShardedVariable(local, self._spec, requires_grad=self.requires_grad)
        memo[id(self)] = result
        for k, v in self.__dict__.items():
            if k != "_gathered":
                setattr(result, k, copy.deepcopy(v, memo))
        return result

    def __reduce_ex__(self, proto):
        raise TypeError(
            f"The sharded variable '{self.path}' cannot be pickled: save the model with `model.save(...)` or "
            "`save_weights(...)` on every process (the files hold whole values), or read `variable.numpy()`."
        )


def is_sharded(value):
    return isinstance(value, ShardedVariable)


_SKIP_ATTRS = ("_is_param", "_gathered")


def copy_keras_attributes(source, target):
    """Give `target` the Keras attributes (name, path, trainable, regularizer, ...) of `source`."""
    for key, value in source.__dict__.items():
        if key not in _SKIP_ATTRS:
            target.__dict__[key] = value
    return target


def promote(dtensor_param, template):
    """Turn a DTensor parameter (e.g. one FSDP2 made) into a ShardedVariable with `template`'s Keras
    attributes; the object stays the same, so torch's references to it stay valid."""
    dtensor_param.__class__ = ShardedVariable
    return copy_keras_attributes(template, dtensor_param)


def from_full(variable, mesh, placements):
    """A ShardedVariable with `variable`'s Keras attributes and value, split over `mesh` by `placements`.
    The value is taken from the first process of each group that shares a shard (as torch's
    `distribute_tensor` does), so every process holds slices of one same value."""
    with torch.no_grad():
        dtensor = distribute_tensor(variable.detach(), mesh, list(placements))
    local = dtensor._local_tensor
    result = ShardedVariable(local, dtensor._spec, requires_grad=variable.requires_grad)
    return copy_keras_attributes(variable, result)


def slot_like(reference, value):
    """An optimizer slot sharded like `reference`, filled from `value` (a plain tensor of the local shape,
    or a number)."""
    local = reference._local_tensor
    if isinstance(value, torch.Tensor):
        data = value.to(device=local.device)
        if tuple(data.shape) != tuple(local.shape):
            data = data.expand(local.shape)
        data = torch.empty_strided(tuple(local.shape), local.stride(), dtype=data.dtype,
                                   device=local.device).copy_(data)
    else:
        data = torch.full_like(local, value)
    return ShardedVariable(data, reference._spec if data.dtype == reference.dtype else _with_dtype(reference._spec,
                                                                                                data.dtype),
                           requires_grad=False)


def _with_dtype(spec, dtype):
    from dataclasses import replace

    from torch.distributed.tensor._dtensor_spec import TensorMeta

    meta = spec.tensor_meta
    return replace(spec, tensor_meta=TensorMeta(meta.shape, meta.stride, dtype))
