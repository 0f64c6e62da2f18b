"""Helpers of the training loops: log formatting, argument checks, batch bookkeeping."""
import numpy as np
import torch

from torchkeras.backend.device import get_device
from torchkeras.trainers.data_adapters import array_data_adapter
from torchkeras.utils import tree


def sorted_logs(logs):
    return {k: logs[k] for k in sorted(logs)}


def resolve_verbose(verbose):
    if verbose == "auto":
        return 1
    return verbose


def should_eval(epoch, validation_freq):
    epoch = epoch + 1
    if isinstance(validation_freq, int):
        return epoch % validation_freq == 0
    if isinstance(validation_freq, (list, tuple, set)):
        return epoch in validation_freq
    raise ValueError(
        "Expected `validation_freq` to be a list or int. "
        f"Received: validation_freq={validation_freq} of the type {type(validation_freq)}."
    )


def batch_size_of(x):
    """The number of samples in a batch of inputs (the loss tracker's weight)."""
    if isinstance(x, torch.Tensor):
        return x.shape[0] if x.dim() else 1
    for leaf in tree.flatten(x):
        if hasattr(leaf, "shape") and len(leaf.shape):
            return leaf.shape[0]
    return 1


def is_dataset_like(x):
    return any(hasattr(v, "__next__") or isinstance(v, torch.utils.data.DataLoader) for v in x)


def concat_to_numpy(outputs):
    first = outputs[0]
    if len(outputs) == 1:  # one batch: no concatenation
        if type(first) is torch.Tensor:
            return _output_to_numpy(first)
        return tree.map_structure(_output_to_numpy, first) if tree.is_nested(first) else _output_to_numpy(first)
    flat_batches = [tree.flatten(o) for o in outputs]
    columns = list(zip(*flat_batches))
    arrays = []
    for col in columns:
        if isinstance(col[0], torch.Tensor):
            arrays.append(torch.cat([c.detach() for c in col], dim=0).cpu().numpy() if col[0].dim() else
                          torch.stack(list(col)).cpu().numpy())
        else:
            arrays.append(np.concatenate([np.asarray(c) for c in col], axis=0))
    if isinstance(first, torch.Tensor):
        return arrays[0]
    return tree.pack_sequence_as(first, arrays)


def _output_to_numpy(value):
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def resolve_optimizer(optimizer, model):
    from torchkeras import optimizers

    if isinstance(optimizer, torch.optim.Optimizer) and not isinstance(optimizer, optimizers.Optimizer):
        from torchkeras.optimizers.torch_optimizer import TorchOptimizer

        return TorchOptimizer(optimizer)
    return optimizers.get(optimizer)


def validate_identifiers(loss, metrics, weighted_metrics):
    from torchkeras import losses as losses_module
    from torchkeras import metrics as metrics_module

    for spec in tree.flatten(loss) if loss is not None else []:
        if isinstance(spec, str) and spec.lower() not in ("crossentropy", "ce"):
            losses_module.get(spec)
    for group in (metrics, weighted_metrics):
        for spec in tree.flatten(group) if group is not None else []:
            if isinstance(spec, str) and spec.lower() not in ("accuracy", "acc"):
                metrics_module.get(spec)


def check_input_shapes(model, x):
    """Raise Keras's error if the data's shapes don't fit the model's inputs (checked once per call)."""
    from torchkeras.models.graph_plan import standardize_inputs

    try:
        flat = standardize_inputs(model, x)
    except ValueError:
        raise
    for index, (data, spec) in enumerate(zip(flat, model.inputs)):
        if not hasattr(data, "shape"):
            continue
        shape = tuple(data.shape)
        expected = spec.shape
        # Like Keras (its functional input specs drop the batch size), the batch dimension is not checked.
        ok = len(shape) == len(expected) and all(e is None or e == s for e, s in zip(expected[1:], shape[1:]))
        if ok:
            continue
        consumer = first_consumer(model, spec)
        detail = None
        if consumer is not None and getattr(consumer, "input_spec", None) is not None:
            from torchkeras.backend.keras_tensor import KerasTensor
            from torchkeras.layers import input_spec as input_spec_lib

            try:
                input_spec_lib.assert_input_compatibility(consumer.input_spec, KerasTensor(shape), consumer.name)
            except ValueError as e:
                detail = str(e)
        if detail is None:
            detail = (f'Input {index} of layer "{model.name}" is incompatible with the layer: expected '
                      f"shape={expected}, found shape={shape}")
        else:
            detail += (f"\n\nThe data for the model's input '{spec.name}' (expected shape={expected}) has "
                       f"shape={shape}.")
        raise ValueError(
            f"Exception encountered when calling {type(model).__name__}.call().\n\n{detail}\n\n"
            f"Arguments received by {type(model).__name__}.call():\n"
            f"  • inputs=torch.Tensor(shape={shape}, dtype={getattr(data, 'dtype', '?')})\n"
            "  • training=False\n  • mask=None"
        )


def first_consumer(model, tensor):
    ids = {id(n) for nodes in model._nodes_by_depth.values() for n in nodes}
    op = tensor._keras_history[0]
    for node in op._outbound_nodes:
        if id(node) in ids:
            return node.operation
    return None


# --- Keras's `_symbolic_build` ------------------------------------------------------------------------------
_BUILD_BATCH = 2  # samples of real data used to build the compiled loss and metrics


def _spec_of(v):
    from torchkeras.backend import dtypes
    from torchkeras.backend.keras_tensor import KerasTensor

    if v is None or not hasattr(v, "shape") or not hasattr(v, "dtype"):
        return v
    shape = tuple(v.shape)
    kind = getattr(v.dtype, "kind", None)  # NumPy strings (for string inputs) are "string" tensors
    dtype = "string" if kind in ("U", "S", "O") else dtypes.standardize_dtype(v.dtype)
    return KerasTensor((None,) + shape[1:] if shape else shape, dtype=dtype)


def _head(v):
    if isinstance(v, torch.Tensor) and v.dim():
        return v[:_BUILD_BATCH]
    return v


def symbolic_build(model, x, y, sample_weight, model_unbuilt, metrics_unbuilt, loss_unbuilt):
    """Build an unbuilt model from the shapes of a batch without running it on the batch, then the compiled
    metrics and loss (calling `compute_metrics` and `compute_loss` once, as Keras does, on two samples of the
    batch; the metric states are restored afterwards). Returns the specs of the outputs."""
    from torchkeras.backend import symbolic

    x_spec = tree.map_structure(_spec_of, x)
    if model_unbuilt:
        try:
            y_pred_spec = symbolic.compute_output_spec(lambda v: model(v, training=False), x_spec, module=model)
        except ValueError:
            raise
        except Exception:  # noqa: BLE001 - a call that shape inference can't run: build on the real batch
            with torch.no_grad():
                y_pred = model(x, training=False)
            y_pred_spec = tree.map_structure(_spec_of, y_pred)
    else:
        y_pred_spec = model._output_spec_for(x_spec)
    if not (metrics_unbuilt or loss_unbuilt) or y is None:
        return y_pred_spec
    from torchkeras.backend import device as device_lib

    device = device_lib.get_device()

    def sample(spec):
        if spec is None or not hasattr(spec, "shape"):
            return spec
        from torchkeras.backend import dtypes

        shape = tuple(_BUILD_BATCH if d is None else d for d in spec.shape)
        return torch.zeros(shape, dtype=dtypes.to_torch_dtype(spec.dtype), device=device)

    x_s, y_s, sw_s = tree.map_structure(_head, (x, y, sample_weight))
    y_pred_s = tree.map_structure(sample, y_pred_spec)
    before = {id(v): v.detach().clone() for v in model.metrics_variables}
    model._clear_losses()
    try:
        with torch.no_grad():
            # Each on its own: a metric that fails on these samples must not leave the loss unbuilt.
            for unbuilt, build in ((metrics_unbuilt, lambda: model.compute_metrics(x_s, y_s, y_pred_s,
                                                                                   sample_weight=sw_s)),
                                   (loss_unbuilt, lambda: model._compute_loss(x_s, y_s, y_pred_s, sw_s,
                                                                              training=False))):
                if unbuilt:
                    try:
                        build()
                    except Exception:  # noqa: BLE001 - built on the first real step, where a real error surfaces
                        pass
    finally:
        model._clear_losses()
        with torch.no_grad():
            for m in model.metrics:
                variables = m.variables
                if all(id(v) in before for v in variables):
                    for v in variables:
                        v.copy_(before[id(v)])
                else:
                    m.reset_state()
    return y_pred_spec


def batch_to_tensors(x):
    """One batch of inputs as the model takes it: arrays become tensors on the default device (no data adapter,
    no copy of a tensor already there)."""
    device = get_device()
    if (type(x) is np.ndarray and x.dtype == np.float32 and x.ndim and x.shape[0] and x.flags.c_contiguous
            and x.flags.writeable and device.type == "cpu"):
        return torch.from_numpy(x)  # what `convert` comes to for a float32 array on the CPU

    def convert(value):
        value = array_data_adapter._to_tensor(value)
        if isinstance(value, torch.Tensor):
            if value.dim() and value.shape[0] == 0:
                raise ValueError(
                    f"Expected at least one sample in `x`, but the array given has 0 samples (shape "
                    f"{tuple(value.shape)}). There is nothing to predict: pass non-empty data.")
            if value.device != device:
                value = value.to(device)
        return value

    if isinstance(x, (np.ndarray, torch.Tensor)):
        return convert(x)
    return tree.map_structure(convert, x)


def fits_one_batch(x, batch_size):
    """Whether `x` is one NumPy array or tensor of numbers with at most one batch of samples."""
    if not isinstance(x, (np.ndarray, torch.Tensor)) or x.ndim == 0:
        return False
    if isinstance(x, np.ndarray) and x.dtype.kind not in "biuf":
        return False
    return 0 < x.shape[0] <= (batch_size or 32)
