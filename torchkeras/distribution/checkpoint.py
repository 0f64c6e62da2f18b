"""Saving and loading sharded models: the files stay ordinary Keras files.

`save_model` / `save_weights` of a model with sharded variables (under `ModelParallel`) are collective: every
process calls them; the shards of each variable (model and optimizer) are gathered in one fixed order, and
process 0 alone runs the writer, which reads the gathered whole values (and writes atomically, as always).
Loading needs no communication: every process reads the file (it must be reachable from each of them, as in
Keras) and each sharded variable keeps its own shard of the whole value it is given. After a save or a load
the processes agree on the outcome, so an error on one of them is raised on all of them.
"""
import functools

import torch
import torch.distributed as dist


def _multi_process():
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def sharded_variables(model):
    """The model's and its optimizer's sharded variables, in a fixed order."""
    from torchkeras.distribution.sharded_variable import is_sharded

    seen, out = set(), []
    variables = list(getattr(model, "variables", []))
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None:
        variables += list(getattr(optimizer, "variables", []))
    for v in variables:
        if is_sharded(v) and id(v) not in seen:
            seen.add(id(v))
            out.append(v)
    return out


def _agree(ok, what):
    """All-reduce the success flag; raise on the processes that succeeded if another one failed."""
    flag = torch.tensor([1 if ok else 0], dtype=torch.int32)
    if dist.get_backend() == "nccl":
        flag = flag.cuda()
    dist.all_reduce(flag, op=dist.ReduceOp.MIN)
    if ok and int(flag.item()) == 0:
        raise RuntimeError(f"{what} failed on another process (see its error).")


def collective_save(save_fn):
    """Decorate `save_fn(model, ...)`: with sharded variables, gather them on every process and write from
    process 0 only."""

    @functools.wraps(save_fn)
    def wrapper(model, *args, **kwargs):
        sharded = sharded_variables(model) if _multi_process() else []
        if not sharded:
            return save_fn(model, *args, **kwargs)
        writer = dist.get_rank() == 0
        error, result = None, None
        try:
            for v in sharded:
                whole = v.full_value()
                if writer:
                    v.__dict__["_gathered"] = whole
            if writer:
                try:
                    result = save_fn(model, *args, **kwargs)
                except Exception as e:  # noqa: BLE001 - raised below, after the processes agree
                    error = e
        finally:
            for v in sharded:
                v.__dict__.pop("_gathered", None)
        _agree(error is None, "Saving")
        if error is not None:
            raise error
        return result

    return wrapper


def collective_load(load_fn):
    """Decorate a loading function: under a multi-process distribution, the processes agree on its outcome."""

    @functools.wraps(load_fn)
    def wrapper(*args, **kwargs):
        from torchkeras.distribution import distribution_lib

        current = distribution_lib.distribution()
        model = args[0] if args else None
        involved = _multi_process() and (
            (current is not None and current._is_multi_process) or
            (model is not None and not isinstance(model, (str, bytes)) and sharded_variables(model)))
        if not involved:
            return load_fn(*args, **kwargs)
        try:
            result = load_fn(*args, **kwargs)
        except Exception:
            _agree(False, "Loading")
            raise
        _agree(True, "Loading")
        return result

    return wrapper
