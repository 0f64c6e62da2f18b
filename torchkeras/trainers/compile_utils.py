"""What `compile(loss=..., metrics=...)` turns into: per-output losses and metrics, resolved like Keras 3.

Both are built lazily on the first batch, because `'accuracy'` and `'crossentropy'` are resolved from the
shapes of `y_true` and `y_pred`, and per-output names come from the model.
"""
from torchkeras.utils import tree


def _is_binary_or_sparse(y_true, y_pred):
    yt_shape = tuple(y_true.shape)
    yp_shape = tuple(y_pred.shape)
    is_binary = bool(yp_shape) and yp_shape[-1] == 1
    is_sparse = len(yt_shape) < len(yp_shape) or (
        bool(yt_shape) and yt_shape[-1] == 1 and bool(yp_shape) and yp_shape[-1] > 1)
    return is_binary, is_sparse


def _object_name(obj):
    if hasattr(obj, "name") and isinstance(obj.name, str):
        return obj.name
    if hasattr(obj, "__name__"):
        return obj.__name__
    return type(obj).__name__


def get_metric(identifier, y_true, y_pred):
    from torchkeras import metrics as metrics_module

    if identifier is None:
        raise ValueError("Expected metric, received `None`")
    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc"):
        is_binary, is_sparse = _is_binary_or_sparse(y_true, y_pred)
        if is_binary:
            metric = metrics_module.BinaryAccuracy(name=identifier)
        elif is_sparse:
            metric = metrics_module.SparseCategoricalAccuracy(name=identifier)
        else:
            metric = metrics_module.CategoricalAccuracy(name=identifier)
    else:
        metric = metrics_module.get(identifier)
    name = identifier if isinstance(identifier, str) else _object_name(metric)
    if not isinstance(metric, metrics_module.Metric):
        metric = metrics_module.MeanMetricWrapper(metric, name=name)
    metric.name = name
    return metric


def get_loss(identifier, y_true, y_pred):
    from torchkeras import losses as losses_module

    if identifier is None:
        return None
    if isinstance(identifier, str) and identifier.lower() in ("crossentropy", "ce"):
        is_binary, is_sparse = _is_binary_or_sparse(y_true, y_pred)
        if is_binary:
            loss = losses_module.binary_crossentropy
        elif is_sparse:
            loss = losses_module.sparse_categorical_crossentropy
        else:
            loss = losses_module.categorical_crossentropy
    else:
        loss = losses_module.get(identifier)
    if not isinstance(loss, losses_module.Loss):
        if not callable(loss):
            raise ValueError(f"Could not interpret loss identifier: {identifier}")
        name = identifier if isinstance(identifier, str) else _object_name(loss)
        loss = losses_module.LossFunctionWrapper(loss, name=name)
    return loss


def _match_outputs(spec, n_outputs, output_names, what):
    """Spread a `loss`/`metrics`/`loss_weights` spec over the flat outputs: one entry per output."""
    if n_outputs == 1:
        if isinstance(spec, dict) and output_names and set(spec) <= set(output_names) and len(spec) == 1:
            return [next(iter(spec.values()))]
        return [spec]
    if isinstance(spec, dict):
        unknown = set(spec) - set(output_names or [])
        if unknown:
            raise ValueError(
                f"Expected keys {output_names} in {what} dict, but found {what}.keys()={list(spec.keys())}"
            )
        return [spec.get(name) for name in output_names]
    if isinstance(spec, (list, tuple)) and len(spec) == n_outputs and what != "metrics":
        return list(spec)
    if isinstance(spec, (list, tuple)) and what == "metrics":
        if len(spec) == n_outputs:  # Keras 3: one entry per output
            return list(spec)
        return [spec] * n_outputs  # Keras 2: every metric on every output
    if isinstance(spec, (list, tuple)):
        raise ValueError(
            f"`{what}` has {len(spec)} entries but the model has {n_outputs} outputs "
            f"{output_names}. Pass one entry per output, or a dict keyed by output name."
        )
    return [spec] * n_outputs


def _flatten_structure(value, n_outputs, names, what):
    """One entry per (flat) output: targets or sample weights given as a tensor, a list, or a dict keyed by
    output name."""
    import torch

    if value is None:
        return [None] * n_outputs
    if isinstance(value, torch.Tensor) or not tree.is_nested(value):
        return [value] * n_outputs if (n_outputs > 1 and what == "sample_weight") else [value]
    if isinstance(value, dict):
        if names and set(value) <= set(names):
            return [value.get(name) for name in names]
        return tree.flatten(value)
    if isinstance(value, (list, tuple)) and all(isinstance(v, torch.Tensor) or v is None for v in value):
        flat = list(value)
    else:
        flat = tree.flatten(value)
    if what == "sample_weight" and len(flat) < n_outputs:
        flat = [flat[0]] * n_outputs
    return flat


def flatten_outputs(y_true, y_pred, sample_weight, output_names):
    """`(y_true_flat, y_pred_flat, sample_weight_flat, names)`: one entry per output, in `tree.flatten(y_pred)`
    order (dict outputs are keyed by name, in sorted order)."""
    import torch

    if isinstance(y_pred, torch.Tensor):
        y_pred_flat = [y_pred]
    else:
        y_pred_flat = tree.flatten(y_pred)
    names = sorted(y_pred) if isinstance(y_pred, dict) else output_names
    n = len(y_pred_flat)
    return (_flatten_structure(y_true, n, names, "y"), y_pred_flat,
            _flatten_structure(sample_weight, n, names, "sample_weight"), names)


class CompileLoss:
    """The compiled loss: `Σ loss_weight_k · loss_k(y_true_k, y_pred_k, sample_weight)`.

    Called like Keras's: `compile_loss(y_true, y_pred, sample_weight=None)` with the model's structures. With
    several outputs it also tracks each output's unweighted loss in a `Mean` named `{output}_loss`.
    """

    def __init__(self, loss, loss_weights=None, output_names=None):
        if loss_weights is not None and not isinstance(loss_weights, (list, tuple, dict, float, int)):
            raise ValueError(
                "Expected `loss_weights` argument to be a float (single output case) or a list, tuple, or "
                f"dict (multiple output case). Received instead: loss_weights={loss_weights} of type "
                f"{type(loss_weights)}"
            )
        self._user_loss = loss
        self._user_weights = loss_weights
        self.output_names = output_names
        self.built = False
        self.metrics = []
        self._entries = []  # (output index, loss, weight, tracker or None)
        self._single = None  # (loss, weight) when there is one output with one loss: the per-step fast path

    def build(self, y_true, y_pred, sample_weight=None):
        y_true_flat, y_pred_flat, _, names = flatten_outputs(y_true, y_pred, sample_weight, self.output_names)
        self._build_flat(y_true_flat, y_pred_flat, names)

    def _build_flat(self, y_true_flat, y_pred_flat, output_names):
        from torchkeras import metrics as metrics_module

        n = len(y_pred_flat)
        losses = _match_outputs(self._user_loss, n, output_names, "loss")
        if self._user_weights is None:
            weights = [None] * n
        elif isinstance(self._user_weights, (int, float)):
            weights = [float(self._user_weights)] * n
        else:
            weights = _match_outputs(self._user_weights, n, output_names, "loss_weights")
        entries = []
        for i, (spec, w) in enumerate(zip(losses, weights)):
            if spec is None:
                continue
            if i >= len(y_true_flat) or y_true_flat[i] is None:
                raise ValueError(
                    f"The model output '{output_names[i] if output_names else i}' has a loss but no target "
                    "was given for it. Pass `y` with one target per output."
                )
            entries.append([i, get_loss(spec, y_true_flat[i], y_pred_flat[i]), w, None])
        if len(entries) > 1:
            for e in entries:
                name = output_names[e[0]] if output_names else e[1].name
                e[3] = metrics_module.Mean(name=f"{name}_loss")
                self.metrics.append(e[3])
        self._entries = entries
        self._single = (entries[0][1], entries[0][2]) if n == 1 and len(entries) == 1 else None
        self.built = True

    def __call__(self, y_true, y_pred, sample_weight=None):
        import torch

        single = self._single
        if single is not None and isinstance(y_pred, torch.Tensor) and y_true is not None:
            if isinstance(y_true, (list, tuple)) and len(y_true) == 1:
                y_true = y_true[0]
            if isinstance(sample_weight, (list, tuple)) and len(sample_weight) == 1:
                sample_weight = sample_weight[0]
            value = single[0](y_true, y_pred, sample_weight)
            return value if single[1] is None else value * single[1]
        if y_true is None:
            raise ValueError(
                "The model was compiled with a loss but the data has no targets `y`. Pass `y` to `fit()`/"
                "`evaluate()` (or yield `(x, y)` batches), or compile without a loss and use `add_loss()`."
            )
        y_true_flat, y_pred_flat, sw_flat, names = flatten_outputs(y_true, y_pred, sample_weight, self.output_names)
        if not self.built:
            self._build_flat(y_true_flat, y_pred_flat, names)
        total = None
        for i, loss_fn, weight, tracker in self._entries:
            y_p = y_pred_flat[i]
            value = loss_fn(y_true_flat[i], y_p, sw_flat[i])
            if tracker is not None:
                tracker.update_state(value.detach(), sample_weight=y_p.shape[0])
            if weight is not None:
                value = value * weight
            total = value if total is None else total + value
        return total


class Keras2LossContainer:
    """`model.compiled_loss` of Keras 2 code: `compiled_loss(y, y_pred, sample_weight=None,
    regularization_losses=None)` returns the total loss and updates the model's `loss` metric, like tf.keras 2's
    LossesContainer did."""

    def __init__(self, model):
        self._model = model

    def __call__(self, y_true, y_pred, sample_weight=None, regularization_losses=None):
        from torchkeras.trainers import trainer_utils

        model = self._model
        total = model._compile_loss(y_true, y_pred, sample_weight)
        for loss in regularization_losses or ():
            value = loss.sum() if loss.dim() else loss
            total = value if total is None else total + value
        model._loss_tracker.update_state(total.detach(), sample_weight=trainer_utils.batch_size_of(y_pred))
        return total

    @property
    def metrics(self):
        model = self._model
        return [model._loss_tracker] + list(model._compile_loss.metrics)

    def reset_state(self):
        for m in self.metrics:
            m.reset_state()

    @property
    def built(self):
        return self._model._compile_loss.built


class CompileMetrics:
    """The compiled metrics and weighted metrics, per output; `result()` gives Keras's log names.

    Like Keras's, it is a metric: `update_state(y_true, y_pred, sample_weight=None)` with the model's
    structures, `result()` (a dict), `reset_state()`, `metrics`, `variables`.
    """

    def __init__(self, metrics, weighted_metrics, output_names=None):
        for arg, value in (("metrics", metrics), ("weighted_metrics", weighted_metrics)):
            if value and not isinstance(value, (list, tuple, dict)):
                raise ValueError(
                    f"Expected `{arg}` argument to be a list, tuple, or dict. Received instead: "
                    f"{arg}={value} of type {type(value)}"
                )
        self._user_metrics = metrics
        self._user_weighted = weighted_metrics
        self.output_names = output_names
        self.name = "compile_metrics"
        self.built = False
        self._flat = []
        self._flat_weighted = []
        self._named = []  # (log name, metric), computed once at build
        self._single = None  # (metrics, weighted metrics) of a single output: the per-step fast path

    def _build_set(self, spec, y_true_flat, y_pred_flat, output_names):
        n = len(y_pred_flat)
        if not spec:
            return [None] * n
        if n == 1:
            return [([get_metric(m, y_true_flat[0], y_pred_flat[0]) for m in tree.flatten(spec)], None)]
        per_output = _match_outputs(spec, n, output_names, "metrics")
        out = []
        for i, s in enumerate(per_output):
            if s is None or (isinstance(s, (list, tuple)) and not s):
                out.append(None)
                continue
            items = s if isinstance(s, (list, tuple)) else [s]
            out.append(([get_metric(m, y_true_flat[i], y_pred_flat[i]) for m in items],
                        output_names[i] if output_names else None))
        return out

    def build(self, y_true, y_pred, sample_weight=None):
        y_true_flat, y_pred_flat, _, names = flatten_outputs(y_true, y_pred, sample_weight, self.output_names)
        self._build_flat(y_true_flat, y_pred_flat, names)

    def _build_flat(self, y_true_flat, y_pred_flat, output_names):
        self._flat = self._build_set(self._user_metrics, y_true_flat, y_pred_flat, output_names)
        self._flat_weighted = self._build_set(self._user_weighted, y_true_flat, y_pred_flat, output_names)
        self._named = self._log_names()
        if len(y_pred_flat) == 1:
            self._single = (self._flat[0][0] if self._flat[0] else [],
                            self._flat_weighted[0][0] if self._flat_weighted[0] else [])
        self.built = True

    @property
    def metrics(self):
        out = []
        for group in self._flat + self._flat_weighted:
            if group:
                out.extend(group[0])
        return out

    @property
    def variables(self):
        return [v for m in self.metrics for v in m.variables]

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Update every metric with this batch (structures of targets and predictions, one per output)."""
        import torch

        single = self._single
        if single is not None and isinstance(y_pred, torch.Tensor):
            if isinstance(y_true, (list, tuple)) and len(y_true) == 1:
                y_true = y_true[0]
            for m in single[0]:
                m.update_state(y_true, y_pred)
            if single[1]:
                if isinstance(sample_weight, (list, tuple)) and len(sample_weight) == 1:
                    sample_weight = sample_weight[0]
                for m in single[1]:
                    m.update_state(y_true, y_pred, sample_weight=sample_weight)
            return
        y_true_flat, y_pred_flat, sw_flat, names = flatten_outputs(y_true, y_pred, sample_weight, self.output_names)
        if not self.built:
            self._build_flat(y_true_flat, y_pred_flat, names)
        for group, y_t, y_p in zip(self._flat, y_true_flat, y_pred_flat):
            if group:
                for m in group[0]:
                    m.update_state(y_t, y_p)
        if self._user_weighted:
            for group, y_t, y_p, sw in zip(self._flat_weighted, y_true_flat, y_pred_flat, sw_flat):
                if group:
                    for m in group[0]:
                        m.update_state(y_t, y_p, sample_weight=sw)

    def reset_state(self):
        for m in self.metrics:
            m.reset_state()

    def _log_names(self):
        """`[(log name, metric)]` with Keras's naming: `{output}_{metric}`, duplicates numbered, weighted
        metrics that clash prefixed with `weighted_`."""
        named = []
        counters = {}
        for group in self._flat:
            if not group:
                continue
            metrics, output = group
            for m in metrics:
                name = f"{output}_{m.name}" if output else m.name
                if name not in counters:
                    counters[name] = 1
                else:
                    counters[name] += 1
                    name = f"{name}_{counters[name] - 1}"
                named.append((name, m))
        for group in self._flat_weighted:
            if not group:
                continue
            metrics, output = group
            for m in metrics:
                name = f"{output}_{m.name}" if output else m.name
                if name in counters:
                    name = f"{output}_weighted_{m.name}" if output else f"weighted_{m.name}"
                    if name in counters:
                        counters[name] += 1
                        name = f"{name}_{counters[name] - 1}"
                counters.setdefault(name, 1)
                named.append((name, m))
        return named

    def result(self):
        return {name: m.result() for name, m in self._named}
