"""`compile` / `fit` / `evaluate` / `predict`: Keras 3's training API on torch autograd.

The default training step is the math of a careful hand-written torch loop: forward, loss, `backward`,
the optimizer's foreach update, metric updates, all on the device. Batch logs reach callbacks as
`LazyLogs`, so nothing is read back from the device unless a callback (or the throttled progress bar)
asks for it.
"""

import torch

from torchkeras.callbacks.callback_list import CallbackList
from torchkeras.callbacks.lazy_logs import LazyLogs, to_floats
from torchkeras.layers.layer import call_context, call_signature_info, structure_version
from torchkeras.trainers import compile_utils
from torchkeras.trainers import distributed
from torchkeras.trainers import trainer_utils
from torchkeras.trainers.data_adapters import data_adapter_utils
from torchkeras.trainers.data_adapters.array_data_adapter import ArrayDataAdapter
from torchkeras.trainers.epoch_iterator import EpochIterator
from torchkeras.utils import tree

_KERAS2_LOOP_KWARGS = ("max_queue_size", "workers", "use_multiprocessing")
_module_call = torch.nn.Module.__call__


class _StepState:
    """What the training step needs, computed once per model structure (not per batch)."""

    def __init__(self, model):
        self.version = structure_version()
        self.params = [v for v in model.trainable_weights]
        self.regularized = [(v, v.regularizer) for v in self.params if getattr(v, "regularizer", None) is not None]
        self.layers = model._flatten_layers()
        self.single_output = not model._has_multiple_outputs()
        self.output_names = model._compile_output_names()


class Trainer:
    def __init__(self):
        self.compiled = False
        self.optimizer = None
        self.loss = None
        self._compile_loss = None
        self._compile_metrics = None
        self._loss_tracker = None
        self._compile_config = None
        self.steps_per_execution = 1
        self._run_eagerly = False
        self._jit_compile = False
        self.stop_training = False
        self.stop_evaluating = False
        self.stop_predicting = False
        self.history = None
        self._step_state = None
        self._tracked_metrics = []
        self.train_function = None
        self.test_function = None
        self.predict_function = None
        self._initial_epoch = None

    # --- compile ---------------------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None, weighted_metrics=None,
                run_eagerly=False, steps_per_execution=1, jit_compile="auto", auto_scale_loss=True, **kwargs):
        """Configure the model for training: optimizer, loss(es), metrics."""
        for legacy in ("sample_weight_mode", "experimental_run_tf_function", "distribute",
                       "target_tensors", "pss_evaluation_shards"):
            if kwargs.pop(legacy, None) is not None and legacy == "target_tensors":
                raise ValueError("`target_tensors` is not supported: pass targets to `fit` instead.")
        if kwargs:
            raise TypeError(f"compile() got unexpected keyword arguments: {sorted(kwargs)}")
        from torchkeras import metrics as metrics_module
        from torchkeras import optimizers

        self.optimizer = trainer_utils.resolve_optimizer(optimizer, self)
        from torchkeras.mixed_precision.loss_scaling import maybe_wrap_optimizer

        self.optimizer = maybe_wrap_optimizer(self, self.optimizer, auto_scale_loss)
        self.loss = loss
        trainer_utils.validate_identifiers(loss, metrics, weighted_metrics)
        output_names = self._compile_output_names()
        self._compile_loss = compile_utils.CompileLoss(loss, loss_weights, output_names) if loss is not None else None
        if metrics is not None or weighted_metrics is not None:
            self._compile_metrics = compile_utils.CompileMetrics(metrics, weighted_metrics, output_names)
        self._loss_tracker = metrics_module.Mean(name="loss")
        if steps_per_execution != 1:
            raise ValueError(
                "`steps_per_execution` must be 1 with the PyTorch backend. "
                f"Received: steps_per_execution={steps_per_execution}"
            )
        self.steps_per_execution = 1
        self._run_eagerly = bool(run_eagerly)
        self._jit_compile = jit_compile is True
        self._auto_scale_loss = auto_scale_loss
        self._compile_config = {
            "optimizer": self.optimizer,
            "loss": loss, "loss_weights": loss_weights, "metrics": metrics, "weighted_metrics": weighted_metrics,
            "run_eagerly": bool(run_eagerly), "steps_per_execution": 1, "jit_compile": self._jit_compile,
        }
        self.compiled = True
        self._step_state = None
        self.train_function = self.test_function = self.predict_function = None
        del optimizers

    @property
    def run_eagerly(self):
        return self._run_eagerly

    @run_eagerly.setter
    def run_eagerly(self, value):
        self._run_eagerly = bool(value)

    @property
    def jit_compile(self):
        return self._jit_compile

    @jit_compile.setter
    def jit_compile(self, value):
        self._jit_compile = bool(value)
        self.train_function = self.test_function = self.predict_function = None

    def get_compile_config(self):
        if not self.compiled or self._compile_config is None:
            return None
        from torchkeras.saving import serialization_lib

        return serialization_lib.serialize_keras_object(self._compile_config)

    def compile_from_config(self, config):
        from torchkeras.saving import serialization_lib

        config = serialization_lib.deserialize_keras_object(config)
        self.compile(**{k: v for k, v in config.items() if k in (
            "optimizer", "loss", "loss_weights", "metrics", "weighted_metrics", "run_eagerly",
            "steps_per_execution", "jit_compile")})
        if self.built and self.optimizer is not None and hasattr(self.optimizer, "build"):
            self.optimizer.build(self.trainable_weights)

    def _assert_compile_called(self, method_name=None):
        if not self.compiled:
            msg = "You must call `compile()` before "
            msg += "using the model." if method_name is None else f"calling `{method_name}()`."
            raise ValueError(msg)

    # --- metrics ---------------------------------------------------------------------------------------
    @property
    def metrics(self):
        """The model's metrics: the loss tracker, the compiled metrics, per-output losses, then user metrics."""
        out = []
        if self.compiled:
            if self._loss_tracker is not None:
                out.append(self._loss_tracker)
            if self._compile_metrics is not None:
                out.append(self._compile_metrics)
            if self._compile_loss is not None:
                out.extend(self._compile_loss.metrics)
        out.extend(self._tracked_metrics)
        for layer in self._flatten_layers(include_self=False):
            if isinstance(layer, Trainer):
                continue
            out.extend(getattr(layer, "_tracked_metrics", []))
        return out

    @property
    def metrics_names(self):
        return [m.name for m in self.metrics]

    @property
    def metrics_variables(self):
        return [v for m in self.metrics for v in m.variables]

    def reset_metrics(self):
        for m in self.metrics:
            m.reset_state()

    def _metric_results(self):
        """Current metric values as a dict of device tensors (no host sync), Keras's key names."""
        results = {}
        for m in self.metrics:
            r = m.result()
            if isinstance(r, dict):
                results.update(r)
            else:
                results[m.name] = r
        return results

    def get_metrics_result(self):
        """The current values of `self.metrics` as a dict of Python floats, sorted by name."""
        return trainer_utils.sorted_logs(to_floats(self._metric_results()))

    # --- losses ----------------------------------------------------------------------------------------
    def _has_multiple_outputs(self):
        outs = getattr(self, "outputs", None)
        return bool(outs) and len(outs) > 1

    def _compile_output_names(self):
        struct = getattr(self, "_outputs_struct", None)
        if isinstance(struct, dict):
            return sorted(struct.keys())
        outs = getattr(self, "outputs", None)
        if outs:
            return [t._keras_history[0].name for t in outs]
        return None

    def _flatten_y_pred(self, y_pred):
        if isinstance(y_pred, torch.Tensor):
            return [y_pred]
        return tree.flatten(y_pred)

    def _flatten_targets(self, y, n_outputs, what="y"):
        if y is None:
            return None
        if isinstance(y, torch.Tensor) or not tree.is_nested(y):
            return [y] * n_outputs if n_outputs > 1 and what == "sample_weight" else [y]
        names = self._compile_output_names() or []
        if isinstance(y, dict):
            if names and set(y) <= set(names):
                return [y.get(name) for name in names]
            return tree.flatten(y)
        flat = list(y) if isinstance(y, (list, tuple)) and all(
            isinstance(v, torch.Tensor) or v is None for v in y) else tree.flatten(y)
        if what == "sample_weight" and len(flat) < n_outputs:
            flat = [flat[0]] * n_outputs
        return flat

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The total loss: the compiled loss(es) plus layer losses (`add_loss`, regularizers)."""
        total = None
        if self._compile_loss is not None and y is not None:
            y_pred_flat = self._flatten_y_pred(y_pred)
            y_flat = self._flatten_targets(y, len(y_pred_flat))
            sw_flat = self._flatten_targets(sample_weight, len(y_pred_flat), "sample_weight")
            total = self._compile_loss(y_flat, y_pred_flat, sw_flat, self._compile_output_names())
        elif self._compile_loss is not None and y is None:
            raise ValueError(
                "The model was compiled with a loss but the data has no targets `y`. Pass `y` to `fit()`/"
                "`evaluate()` (or yield `(x, y)` batches), or compile without a loss and use `add_loss()`."
            )
        for loss in self.losses:
            value = loss.sum() if isinstance(loss, torch.Tensor) and loss.dim() else loss
            total = value if total is None else total + value
        if total is None:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        return total

    def _fast_loss(self, st, y, y_pred, sample_weight):
        total = None
        if self._compile_loss is not None:
            if y is None:
                return self.compute_loss(y=None, y_pred=y_pred)
            if st.single_output and isinstance(y_pred, torch.Tensor):
                total = self._compile_loss(
                    [y] if not (isinstance(y, (list, tuple)) and len(y) == 1) else list(y), [y_pred],
                    None if sample_weight is None else (
                        [sample_weight] if not isinstance(sample_weight, (list, tuple)) else list(sample_weight)),
                    st.output_names)
            else:
                y_pred_flat = self._flatten_y_pred(y_pred)
                total = self._compile_loss(self._flatten_targets(y, len(y_pred_flat)), y_pred_flat,
                                           self._flatten_targets(sample_weight, len(y_pred_flat), "sample_weight"),
                                           st.output_names)
        for layer in st.layers:
            for loss in layer._losses:
                value = loss.sum() if loss.dim() else loss
                total = value if total is None else total + value
        for v, reg in st.regularized:
            value = reg(v)
            total = value if total is None else total + value
        if total is None:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        return total

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Update the compiled metrics with this batch and return all metric results."""
        self._update_compiled_metrics(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def _update_compiled_metrics(self, y, y_pred, sample_weight):
        if self._compile_metrics is None or y is None:
            return
        with torch.no_grad():
            y_pred_flat = self._flatten_y_pred(y_pred)
            n = len(y_pred_flat)
            self._compile_metrics.update_flat(self._flatten_targets(y, n), [p.detach() for p in y_pred_flat],
                                               self._flatten_targets(sample_weight, n, "sample_weight"),
                                               self._compile_output_names())

    # --- steps -----------------------------------------------------------------------------------------
    def _state(self):
        st = self._step_state
        if st is None or st.version != structure_version():
            st = self._step_state = _StepState(self)
        return st

    def _forward(self, x, training):
        with call_context(training=training):
            if training and distributed.is_active():
                return distributed.ddp_forward(self, x)
            if call_signature_info(self)[0]:
                return _module_call(self, x, training=training)
            return _module_call(self, x)

    def _run_train_step(self, data):
        """The default training step; returns nothing (the logs are read lazily)."""
        x, y, sample_weight = data_adapter_utils.unpack_x_y_sample_weight(data)
        st = self._state()
        for layer in st.layers:
            if layer._losses:
                layer._losses.clear()
        y_pred = self._forward(x, True)
        loss = self._fast_loss(st, y, y_pred, sample_weight)
        self._track_loss(loss, trainer_utils.batch_size_of(x))
        params = st.params
        if params:
            opt = self.optimizer
            scaled = opt.scale_loss(loss) if getattr(opt, "loss_scale_factor", None) else loss
            scaled.backward()
            grads = [p.grad for p in params]
            with torch.no_grad():
                opt.apply(grads, params)
            for p in params:
                p.grad = None
        self._update_compiled_metrics(y, y_pred, sample_weight)

    def _track_loss(self, loss, batch_size):
        """The loss tracker's `update_state(loss, sample_weight=batch_size)`, as two in-place ops."""
        tracker = self._loss_tracker
        if type(tracker).__name__ == "Mean" and loss.dim() == 0:
            with torch.no_grad():
                tracker.total.add_(loss.detach().to(tracker.total.dtype), alpha=batch_size)
                tracker.count.add_(batch_size)
        else:
            tracker.update_state(loss.detach(), sample_weight=batch_size)

    def train_step(self, data):
        """One step of training on a batch `(x, y[, sample_weight])`; returns the metric results.

        Override it to customize training (call `self.zero_grad()`, `self.compute_loss(...)`,
        `loss.backward()`, `self.optimizer.apply(grads, self.trainable_weights)` as in Keras 3 on torch).
        """
        self._run_train_step(data)
        return trainer_utils.sorted_logs(self._metric_results())

    def _run_test_step(self, data):
        x, y, sample_weight = data_adapter_utils.unpack_x_y_sample_weight(data)
        st = self._state()
        with torch.no_grad():
            for layer in st.layers:
                if layer._losses:
                    layer._losses.clear()
            y_pred = self._forward(x, False)
            if self._compile_loss is not None or any(l._losses for l in st.layers) or st.regularized:
                loss = self._fast_loss(st, y, y_pred, sample_weight)
                self._track_loss(loss, trainer_utils.batch_size_of(x))
            self._update_compiled_metrics(y, y_pred, sample_weight)

    def test_step(self, data):
        """One step of evaluation on a batch; returns the metric results."""
        self._run_test_step(data)
        return trainer_utils.sorted_logs(self._metric_results())

    def predict_step(self, data):
        """The model's outputs for one batch (`x` or `(x,)`)."""
        x, _, _ = data_adapter_utils.unpack_x_y_sample_weight(data)
        with torch.no_grad():
            return self._forward(x, False)

    def _overridden(self, name):
        return getattr(type(self), name) is not getattr(Trainer, name)

    def make_train_function(self, force=False):
        if self.train_function is not None and not force:
            return self.train_function
        if self._overridden("train_step"):
            def step(data):
                logs = self.train_step(data)
                return LazyLogs(lambda: logs)
        else:
            run = self._maybe_compile(self._run_train_step)
            results = self._metric_results

            def step(data):
                run(data)
                return LazyLogs(results)
        self.train_function = step
        return step

    def make_test_function(self, force=False):
        if self.test_function is not None and not force:
            return self.test_function
        if self._overridden("test_step"):
            def step(data):
                logs = self.test_step(data)
                return LazyLogs(lambda: logs)
        else:
            run = self._run_test_step
            results = self._metric_results

            def step(data):
                run(data)
                return LazyLogs(results)
        self.test_function = step
        return step

    def make_predict_function(self, force=False):
        if self.predict_function is not None and not force:
            return self.predict_function
        self.predict_function = self.predict_step
        return self.predict_function

    def _maybe_compile(self, fn):
        if not self._jit_compile:
            return fn
        from torchkeras.trainers import jit

        return jit.compile_step(self, fn)

    # --- building from data ----------------------------------------------------------------------------
    def _build_from_batch(self, batch):
        """Build the model (and check the data's shapes) with the first batch of real data."""
        x, _, _ = data_adapter_utils.unpack_x_y_sample_weight(batch)
        if not self.built:
            was_training = self.training
            try:
                with torch.no_grad():
                    self(x, training=False)
            finally:
                self.train(was_training)
        elif getattr(self, "inputs", None):
            trainer_utils.check_input_shapes(self, x)
        if self.optimizer is not None and not getattr(self.optimizer, "built", True):
            self.optimizer.build(self.trainable_weights)

    def _first_batch(self, iterator):
        adapter = iterator.adapter
        if isinstance(adapter, ArrayDataAdapter):
            return adapter._pack([adapter._take(a, 0, min(adapter.batch_size, adapter.num_samples), None)
                                  for a in adapter._flat])
        if hasattr(adapter, "peek"):
            from torchkeras.trainers.data_adapters.generator_data_adapter import batch_to_device

            return batch_to_device(adapter.peek(), adapter.device)
        return None

    # --- fit / evaluate / predict ----------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None, validation_split=0.0,
            validation_data=None, shuffle=True, class_weight=None, sample_weight=None, initial_epoch=0,
            steps_per_epoch=None, validation_steps=None, validation_batch_size=None, validation_freq=1,
            **kwargs):
        """Train the model for `epochs` epochs; returns the `History`."""
        for k in _KERAS2_LOOP_KWARGS:
            kwargs.pop(k, None)
        if kwargs:
            raise TypeError(f"{type(self).__name__}.fit() got an unexpected keyword argument "
                            f"'{next(iter(kwargs))}'")
        self._assert_compile_called("fit")
        distributed.initialize()
        if validation_split and validation_data is None:
            if not data_adapter_utils.is_array_like(tree.flatten(x)[0] if x is not None else None):
                raise ValueError("`validation_split` is only supported for array inputs (NumPy arrays or tensors).")
            (x, y, sample_weight), validation_data = data_adapter_utils.train_validation_split(
                (x, y, sample_weight), validation_split)
        val_data = None
        if validation_data is not None:
            if isinstance(validation_data, (tuple, list)) and len(validation_data) in (2, 3) and \
                    not trainer_utils.is_dataset_like(validation_data):
                val_data = data_adapter_utils.unpack_x_y_sample_weight(tuple(validation_data))
            else:
                val_data = (validation_data, None, None)
        iterator = EpochIterator(x, y, sample_weight, batch_size=batch_size, steps_per_epoch=steps_per_epoch,
                                 shuffle=shuffle, class_weight=class_weight)
        first = self._first_batch(iterator) if (not self.built or getattr(self, "inputs", None)) else None
        if first is not None:
            self._build_from_batch(first)
        iterator = distributed.shard(iterator, x)
        verbose = trainer_utils.resolve_verbose(verbose)
        callbacks, verbose = distributed.gate_callbacks(callbacks, verbose)
        if not isinstance(callbacks, CallbackList):
            callbacks = CallbackList(callbacks, add_history=True, add_progbar=verbose != 0, model=self,
                                     verbose=verbose, epochs=epochs, steps=iterator.num_batches)
        self.stop_training = False
        train_step = self.make_train_function()
        batch_begin = callbacks.needs_batch_logs("on_train_batch_begin")
        batch_end = callbacks.needs_batch_logs("on_train_batch_end")
        val_iterator = None
        callbacks.on_train_begin()
        training_logs = None
        if self._initial_epoch is not None:
            initial_epoch = self._initial_epoch
        try:
            for epoch in range(initial_epoch, epochs):
                self.reset_metrics()
                callbacks.on_epoch_begin(epoch)
                self.train()
                logs = None
                for step, batch in iterator.enumerate_epoch():
                    if batch_begin:
                        callbacks.on_train_batch_begin(step)
                    logs = train_step(batch)
                    if batch_end:
                        callbacks.on_train_batch_end(step, logs)
                    if self.stop_training:
                        break
                if distributed.sync_metrics(self):
                    epoch_logs = trainer_utils.sorted_logs(to_floats(self._metric_results()))
                else:
                    epoch_logs = trainer_utils.sorted_logs(logs.materialize() if isinstance(logs, LazyLogs) else
                                         to_floats(self._metric_results()))
                self.eval()
                if val_data is not None and trainer_utils.should_eval(epoch, validation_freq):
                    if val_iterator is None:
                        val_iterator = EpochIterator(val_data[0], val_data[1], val_data[2],
                                                     batch_size=validation_batch_size or batch_size,
                                                     steps_per_epoch=validation_steps, shuffle=False)
                        val_iterator = distributed.shard(val_iterator, val_data[0], training=False)
                    val_logs = self.evaluate(verbose=0, callbacks=callbacks, return_dict=True,
                                             _epoch_iterator=val_iterator)
                    epoch_logs.update({"val_" + k: v for k, v in val_logs.items()})
                callbacks.on_epoch_end(epoch, epoch_logs)
                training_logs = epoch_logs
                if self.stop_training:
                    break
        finally:
            self.eval()
            self._initial_epoch = None
        if self.optimizer is not None and hasattr(self.optimizer, "finalize_variable_values"):
            self.optimizer.finalize_variable_values(self.trainable_weights)
        callbacks.on_train_end(logs=training_logs)
        return self.history

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, return_dict=False, **kwargs):
        """Loss and metric values of the model on the given data (a scalar, a list, or a dict)."""
        iterator = kwargs.pop("_epoch_iterator", None)
        for k in _KERAS2_LOOP_KWARGS:
            kwargs.pop(k, None)
        if kwargs:
            raise ValueError(f"Arguments not recognized: {kwargs}")
        self._assert_compile_called("evaluate")
        if iterator is None:
            iterator = EpochIterator(x, y, sample_weight, batch_size=batch_size, steps_per_epoch=steps,
                                     shuffle=False)
            first = self._first_batch(iterator) if (not self.built or getattr(self, "inputs", None)) else None
            if first is not None:
                self._build_from_batch(first)
            iterator = distributed.shard(iterator, x, training=False)
        verbose = trainer_utils.resolve_verbose(verbose)
        callbacks, verbose = distributed.gate_callbacks(callbacks, verbose)
        if not isinstance(callbacks, CallbackList):
            callbacks = CallbackList(callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1,
                                     steps=iterator.num_batches)
        self.eval()
        test_step = self.make_test_function()
        batch_begin = callbacks.needs_batch_logs("on_test_batch_begin")
        batch_end = callbacks.needs_batch_logs("on_test_batch_end")
        self.stop_evaluating = False
        callbacks.on_test_begin()
        self.reset_metrics()
        logs = None
        for step, batch in iterator.enumerate_epoch():
            if batch_begin:
                callbacks.on_test_batch_begin(step)
            logs = test_step(batch)
            if batch_end:
                callbacks.on_test_batch_end(step, logs)
            if self.stop_evaluating:
                break
        if distributed.sync_metrics(self, weights=False):
            logs = trainer_utils.sorted_logs(to_floats(self._metric_results()))
        else:
            logs = trainer_utils.sorted_logs(logs.materialize() if isinstance(logs, LazyLogs) else to_floats(self._metric_results()))
        callbacks.on_test_end(logs)
        if return_dict:
            return logs
        return self._flatten_metrics_in_order(logs)

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None, **kwargs):
        """The model's outputs for the inputs `x`, as NumPy arrays."""
        for k in _KERAS2_LOOP_KWARGS:
            kwargs.pop(k, None)
        if kwargs:
            raise TypeError(f"{type(self).__name__}.predict() got an unexpected keyword argument "
                            f"'{next(iter(kwargs))}'")
        iterator = EpochIterator(x, batch_size=batch_size, steps_per_epoch=steps, shuffle=False)
        if not self.built:
            first = self._first_batch(iterator)
            if first is not None:
                self._build_from_batch(first)
        elif getattr(self, "inputs", None):
            first = self._first_batch(iterator)
            if first is not None:
                trainer_utils.check_input_shapes(self, data_adapter_utils.unpack_x_y_sample_weight(first)[0])
        verbose = trainer_utils.resolve_verbose(verbose)
        if not isinstance(callbacks, CallbackList):
            callbacks = CallbackList(callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1,
                                     steps=iterator.num_batches)
        self.eval()
        predict_step = self.make_predict_function()
        batch_begin = callbacks.needs_batch_logs("on_predict_batch_begin")
        batch_end = callbacks.needs_batch_logs("on_predict_batch_end")
        self.stop_predicting = False
        callbacks.on_predict_begin()
        outputs = []
        for step, batch in iterator.enumerate_epoch():
            if batch_begin:
                callbacks.on_predict_batch_begin(step)
            out = predict_step(batch)
            outputs.append(out)
            if batch_end:
                callbacks.on_predict_batch_end(step, {"outputs": out})
            if self.stop_predicting:
                break
        callbacks.on_predict_end()
        if not outputs:
            raise ValueError("The data given to `predict` yielded no batches: there is nothing to predict.")
        return trainer_utils.concat_to_numpy(outputs)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False,
                       reset_metrics=True):
        """Run one training step on one batch; returns that batch's loss and metrics."""
        self._assert_compile_called("train_on_batch")
        if class_weight is not None:
            if sample_weight is not None:
                raise ValueError("You cannot `class_weight` and `sample_weight` at the same time.")
            sample_weight = data_adapter_utils.class_weight_to_sample_weights(y, class_weight)
        batch = self._single_batch(x, y, sample_weight)
        if not self.built or (self.optimizer is not None and not getattr(self.optimizer, "built", True)):
            self._build_from_batch(batch)
        if reset_metrics:
            self.reset_metrics()
        self.train()
        try:
            logs = self.make_train_function()(batch)
        finally:
            self.eval()
        logs = trainer_utils.sorted_logs(logs.materialize())
        if return_dict:
            return logs
        return self._flatten_metrics_in_order(logs)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False, reset_metrics=True):
        """Evaluate on one batch; returns that batch's loss and metrics."""
        self._assert_compile_called("test_on_batch")
        batch = self._single_batch(x, y, sample_weight)
        if not self.built:
            self._build_from_batch(batch)
        if reset_metrics:
            self.reset_metrics()
        self.eval()
        logs = trainer_utils.sorted_logs(self.make_test_function()(batch).materialize())
        if return_dict:
            return logs
        return self._flatten_metrics_in_order(logs)

    def predict_on_batch(self, x):
        """The model's outputs for one batch, as NumPy arrays."""
        batch = self._single_batch(x, None, None)
        if not self.built:
            self._build_from_batch(batch)
        self.eval()
        return trainer_utils.concat_to_numpy([self.make_predict_function()(batch)])

    def _single_batch(self, x, y, sample_weight):
        adapter = ArrayDataAdapter(x, y, sample_weight=sample_weight, batch_size=None, shuffle=False)
        adapter.batch_size = max(adapter.num_samples, 1)
        return next(iter(adapter.get_iterator()))

    def _flatten_metrics_in_order(self, logs):
        names = []
        for m in self.metrics:
            if isinstance(m, compile_utils.CompileMetrics):
                names += [sub.name for sub in m.metrics]
            else:
                names.append(m.name)
        results = [logs[n] for n in names if n in logs]
        results += [logs[k] for k in sorted(logs) if k not in names]
        if len(results) == 1:
            return results[0]
        return results
