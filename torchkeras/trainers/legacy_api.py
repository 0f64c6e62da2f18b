"""The model API of Keras 2 that Keras 3 removed, on top of `fit` / `evaluate` / `predict`.

`fit_generator`, `evaluate_generator`, `predict_generator`, `predict_classes` and `predict_proba` are Keras
2.3's methods with Keras 2.3's arguments and defaults. Each is a thin call of its modern spelling (so the
public hooks `train_step`/`test_step`/`predict_step`, callbacks and user overrides run exactly as there), and
warns once per process with a DeprecationWarning naming that spelling. `metrics_names` lists the names of
the values `evaluate()` returns, in that order, as Keras 2 did (Keras 3 lists its metric objects' names,
`["loss", "compile_metrics"]`, which no longer line up with the results).

Keras 2's `workers`, `use_multiprocessing` and `max_queue_size` arguments of `fit`/`evaluate`/`predict` are
passed to the data adapter: a PyDataset (Keras 2 `Sequence`) is read by that many workers, a generator is
read ahead (see `data_adapters/`).
"""
import warnings

import numpy as np

from torchkeras.utils import keras2_paths

LOOP_OPTIONS = ("workers", "use_multiprocessing", "max_queue_size")
_REMOVED = "removed in Keras 3 (kept in torchkeras for Keras 2 code)"


def pop_loop_options(kwargs):
    """Take Keras 2's `workers`/`use_multiprocessing`/`max_queue_size` out of `kwargs` (the given ones)."""
    if not kwargs:
        return {}
    return {k: kwargs.pop(k) for k in LOOP_OPTIONS if kwargs.get(k, None) is not None}


def _deprecated(method, modern):
    keras2_paths.warn_once(f"Model.{method}()", modern, stacklevel=4, what=_REMOVED)


class Keras2ModelMethods:
    """Keras 2's removed `Model` methods; the trainer inherits them."""

    def fit_generator(self, generator, steps_per_epoch=None, epochs=1, verbose=1, callbacks=None,
                      validation_data=None, validation_steps=None, validation_freq=1, class_weight=None,
                      max_queue_size=10, workers=1, use_multiprocessing=False, shuffle=True, initial_epoch=0):
        """Train on batches from a generator or a `Sequence` (Keras 2); use `fit`, which takes them."""
        _deprecated("fit_generator", "Model.fit(), which supports generators")
        return self.fit(generator, steps_per_epoch=steps_per_epoch, epochs=epochs, verbose=verbose,
                        callbacks=callbacks, validation_data=validation_data, validation_steps=validation_steps,
                        validation_freq=validation_freq, class_weight=class_weight, max_queue_size=max_queue_size,
                        workers=workers, use_multiprocessing=use_multiprocessing, shuffle=shuffle,
                        initial_epoch=initial_epoch)

    def evaluate_generator(self, generator, steps=None, callbacks=None, max_queue_size=10, workers=1,
                           use_multiprocessing=False, verbose=0):
        """Evaluate on batches from a generator or a `Sequence` (Keras 2); use `evaluate`."""
        _deprecated("evaluate_generator", "Model.evaluate(), which supports generators")
        return self.evaluate(generator, steps=steps, callbacks=callbacks, max_queue_size=max_queue_size,
                             workers=workers, use_multiprocessing=use_multiprocessing, verbose=verbose)

    def predict_generator(self, generator, steps=None, callbacks=None, max_queue_size=10, workers=1,
                          use_multiprocessing=False, verbose=0):
        """Predict on batches from a generator or a `Sequence` (Keras 2); use `predict`."""
        _deprecated("predict_generator", "Model.predict(), which supports generators")
        return self.predict(generator, steps=steps, callbacks=callbacks, max_queue_size=max_queue_size,
                            workers=workers, use_multiprocessing=use_multiprocessing, verbose=verbose)

    def predict_classes(self, x, batch_size=32, verbose=0):
        """Class predictions (Keras 2): the arg-max of the outputs, or `output > 0.5` for one output unit."""
        _deprecated("predict_classes",
                    "np.argmax(model.predict(x), axis=-1) (multi-class) or "
                    "(model.predict(x) > 0.5).astype('int32') (binary)")
        proba = self.predict(x, batch_size=batch_size, verbose=verbose)
        if isinstance(proba, (list, tuple, dict)):
            raise ValueError("`predict_classes` needs a model with one output; this model has "
                             f"{len(proba)}. Use `np.argmax(model.predict(x)[i], axis=-1)` per output.")
        if proba.shape[-1] > 1:
            return proba.argmax(axis=-1)
        return (proba > 0.5).astype("int32")

    def predict_proba(self, x, batch_size=32, verbose=0):
        """The outputs, as probabilities (Keras 2); warns when they are outside [0, 1]. Use `predict`."""
        _deprecated("predict_proba", "Model.predict()")
        preds = self.predict(x, batch_size=batch_size, verbose=verbose)
        flat = preds if isinstance(preds, np.ndarray) else np.concatenate([np.ravel(p) for p in preds])
        if flat.size and (flat.min() < 0.0 or flat.max() > 1.0):
            warnings.warn("Network returning invalid probability values. The last layer might not normalize "
                          "predictions into probabilities (like softmax or sigmoid would).", stacklevel=2)
        return preds

    @property
    def metrics_names(self):
        """The names of the values `evaluate()` returns, in that order (Keras 2): `"loss"`, each output's
        loss, then the metrics; known right after `compile`."""
        compiled_metrics = getattr(self, "_compile_metrics", None)
        compiled_loss = getattr(self, "_compile_loss", None)
        if (compiled_metrics is None or compiled_metrics.built) and (compiled_loss is None or compiled_loss.built):
            return self._metric_result_order(self._metric_log_names())
        # Not built yet (no data seen): what the built metrics will say, in the same order.
        names, n = _outputs(self)
        head = [m.name for m in self.metrics if m is not compiled_metrics]
        compiled = _predicted_metric_names(self, compiled_metrics) if compiled_metrics is not None else []
        if compiled_loss is not None:
            head[1:1] = _predicted_loss_names(self, compiled_loss)
        if n == 1:
            return head[:1] + compiled + head[1:]
        return head + sorted(compiled)

    def _metric_log_names(self):
        """The log names of the model's metrics (a metric with a dict result gives its keys)."""
        names = []
        for m in self.metrics:
            if m is getattr(self, "_compile_metrics", None):
                names += [n for n, _ in m._named]
            else:
                names.append(m.name)
        return names


def _outputs(model):
    names = model.output_names or None
    return names, (len(names) if names else 1)


def _predicted_loss_names(model, compile_loss):
    from torchkeras.trainers import compile_utils

    names, n = _outputs(model)
    if n == 1 or names is None:
        return []
    specs = compile_utils._match_outputs(compile_loss._user_loss, n, names, "loss")
    with_loss = [name for name, spec in zip(names, specs) if spec is not None]
    return [f"{name}_loss" for name in with_loss] if len(with_loss) > 1 else []


def _predicted_metric_names(model, compile_metrics):
    """What `CompileMetrics._log_names()` will say once built, from the identifiers alone."""
    from torchkeras import metrics as metrics_module
    from torchkeras.trainers import compile_utils
    from torchkeras.utils import tree

    names, n = _outputs(model)

    def name_of(identifier):
        if isinstance(identifier, str):
            return identifier
        return compile_utils._object_name(metrics_module.get(identifier))

    out, seen = [], {}
    for spec, weighted in ((compile_metrics._user_metrics, False), (compile_metrics._user_weighted, True)):
        if not spec:
            continue
        if n == 1 or names is None:
            groups = [(tree.flatten(spec), None)]
        else:
            groups = []
            for output, s in zip(names, compile_utils._match_outputs(spec, n, names, "metrics")):
                if s is not None and not (isinstance(s, (list, tuple)) and not s):
                    groups.append((s if isinstance(s, (list, tuple)) else [s], output))
        for items, output in groups:
            for identifier in items:
                base = name_of(identifier)
                name = f"{output}_{base}" if output else base
                if name in seen:
                    if weighted:
                        name = f"{output}_weighted_{base}" if output else f"weighted_{base}"
                    if name in seen:
                        seen[name] += 1
                        name = f"{name}_{seen[name] - 1}"
                seen.setdefault(name, 1)
                out.append(name)
    return out


def keras2_predict_inputs(x):
    """Keras 2's `predict` took its number of samples from the first input array and ignored the rows of the
    other inputs past it (`check_array_lengths=False`); Keras 3 calls such data ambiguous. Inputs given as a
    list whose later arrays are longer than the first are cut to the first's length, with a warning."""
    if not isinstance(x, (list, tuple)) or len(x) < 2:
        return x
    lengths = [getattr(a, "shape", (None,))[0] if getattr(a, "ndim", 0) else None for a in x]
    first = lengths[0]
    if first is None or any(n is None for n in lengths) or all(n == first for n in lengths):
        return x
    if any(n < first for n in lengths):
        return x  # Keras 2 failed too: left to the usual cardinality error
    keras2_paths.warn_once(
        "Model.predict() on inputs with different numbers of samples", "inputs with the same number of samples",
        stacklevel=4, what=f"Keras 2 behaviour (it used the first input's {first} samples; Keras 3 raises)")
    return type(x)(a[:first] for a in x)


def run_without_grad(model, step, data):
    """`step(data)` under `torch.no_grad()`, as `evaluate`/`predict` run; a model whose layers call Keras 2's
    `K.gradients` on their inputs (mnist_swwae's max-pool switches) needs the graph recorded, so its steps
    run with autograd on from the first one that asks for it."""
    import torch

    if model.__dict__.get("_keras2_inference_needs_grad"):
        with torch.enable_grad():
            return step(data)
    enabled = torch.is_grad_enabled()
    torch._C._set_grad_enabled(False)  # `torch.no_grad()` without its Python frames: this runs once per batch
    try:
        return step(data)
    except _gradients_need_autograd():
        model.__dict__["_keras2_inference_needs_grad"] = True
        with torch.enable_grad():
            return step(data)
    finally:
        torch._C._set_grad_enabled(enabled)


def _gradients_need_autograd():
    """The error of a Keras 2 `K.gradients` call made without autograd (imported only when something failed)."""
    from torchkeras.backend.legacy_graph import GradientsNeedAutograd

    return GradientsNeedAutograd
