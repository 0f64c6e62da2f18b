"""Keras 2's `Layer.add_loss(<KerasTensor>)` and `Layer.add_metric(value, name=...)`.

A symbolic loss or metric on a functional model joins the model's graph plan (`models/functional.py`) and is
computed on every call; on another layer it waits until a functional model built over the layer takes it in.
"""


def add_symbolic_loss(layer, tensor):
    """`layer.add_loss(<KerasTensor>)`. On a functional model the tensor joins the model's graph plan and is
    computed on every call. On another layer (Keras 2: a loss added during functional construction) it is
    kept until a functional model built over the layer and the tensor's inputs takes it in."""
    layer._add_symbolic_loss(tensor)


def add_metric(layer, value, name=None, aggregation=None, **kwargs):
    """`layer.add_metric(value, name=..., aggregation="mean")` (Keras 2): a `Mean` metric named `name`, tracked
    by the layer (so it shows in `fit`/`evaluate` logs), updated with `value` on every call. A symbolic value
    on a functional model is computed from the model's inputs on every call of the model."""
    from torchkeras.backend import symbolic
    from torchkeras.backend.keras_tensor import KerasTensor
    from torchkeras.layers.layer import bump_structure_version
    from torchkeras.metrics.metric import Metric

    kwargs.pop("inputs", None)
    if kwargs:
        raise TypeError(f"add_metric() got unexpected keyword arguments: {sorted(kwargs)}")
    if name == "mean" and aggregation not in (None, "mean"):  # Keras 2.3's order: (value, aggregation, name)
        name, aggregation = aggregation, name
    if isinstance(value, Metric):
        raise ValueError("`add_metric` takes a tensor (the metric's value for this batch), not a Metric "
                         "object: track a Metric by assigning it to an attribute of the layer instead.")
    if aggregation not in (None, "mean"):
        raise ValueError(f"`aggregation` must be 'mean' (the only aggregation Keras supports). "
                         f"Received: aggregation={aggregation!r}")
    if name is None:
        raise ValueError("Please provide a name for your metric like "
                         "`self.add_metric(tf.reduce_sum(inputs), name='mean_activation')`")
    metric = _named_metric(layer, name)
    if metric is None:
        from torchkeras.metrics.reduction_metrics import Mean

        with symbolic.escape_fake():
            metric = Mean(name=name)
        layer.__dict__.setdefault("_tracked_metrics", []).append(metric)
        layer.__dict__.setdefault("_keras2_metrics", {})[name] = metric
        bump_structure_version()
    if isinstance(value, KerasTensor):
        layer._add_symbolic_metric(value, metric)
        return
    if symbolic.in_symbolic_scope():
        return  # a shape-inference run: stand-in values are not data
    metric.update_state(value)


def _named_metric(layer, name):
    return layer.__dict__.get("_keras2_metrics", {}).get(name)
