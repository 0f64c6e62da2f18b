"""`compile` / `fit` / `evaluate` / `predict`: Keras 3's training API on torch autograd.

One implementation of each step, and it is Keras's public hook: `fit` calls `train_function`, which
`make_train_function` builds around `train_step`; `train_step` calls the model, `compute_loss` and
`compute_metrics`; `evaluate` calls `test_step`, `predict` calls `predict_step`. A subclass that overrides
any of them is called exactly where Keras calls it. The speed lives inside the hooks: what a step needs
(variable lists, layers with losses, regularized weights, metric lists) is computed once per model structure,
and step logs reach callbacks as `LazyLogs`, so nothing is read back from the device unless a callback (or the
throttled progress bar) asks for it.

The trainer asks the model for what it needs through a small interface that `Model` provides:
`output_names` (for per-output losses and metrics), `_declares_inputs` and `_check_data_inputs(x)` (whether the
model declares its inputs, and the check of real data against them), and `_output_spec_for(x_spec)` (output
specs, without running the model where its graph is known).
"""
import inspect
import warnings

import torch

from torchkeras.callbacks.callback_list import CallbackList
from torchkeras.callbacks.lazy_logs import LazyLogs, pythonify_logs
from torchkeras.distribution import distribution_lib
from torchkeras.layers.layer import structure_version
from torchkeras.trainers import argument_validation
from torchkeras.trainers import compile_utils
from torchkeras.trainers import distributed
from torchkeras.trainers import legacy_api
from torchkeras.trainers import trainer_utils
from torchkeras.trainers.data_adapters import data_adapter_utils
from torchkeras.trainers.data_adapters.array_data_adapter import ArrayDataAdapter
from torchkeras.trainers.epoch_iterator import EpochIterator, SingleBatchIterator
from torchkeras.utils import tree


class Trainer(legacy_api.Keras2ModelMethods):
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
        from torchkeras.mixed_precision.loss_scaling import maybe_wrap_optimizer

        self.optimizer = trainer_utils.resolve_optimizer(optimizer, self)
        self.optimizer = maybe_wrap_optimizer(self, self.optimizer, auto_scale_loss)
        self.loss = loss
        trainer_utils.validate_identifiers(loss, metrics, weighted_metrics)
        output_names = self.output_names or None
        self._compile_loss = compile_utils.CompileLoss(loss, loss_weights, output_names) if loss is not None else None
        self._compile_metrics = None
        if metrics is not None or weighted_metrics is not None:
            self._compile_metrics = compile_utils.CompileMetrics(metrics, weighted_metrics, output_names)
        self._loss_tracker = metrics_module.Mean(name="loss")
        if steps_per_execution != 1:
            raise ValueError(
                "`steps_per_execution` must be 1 with the PyTorch backend. "
                f"Received: steps_per_execution={steps_per_execution}"
            )
        self.steps_per_execution = 1
        if jit_compile is True and run_eagerly:
            warnings.warn("If `run_eagerly` is True, then `jit_compile` cannot also be True. Disabling "
                          "`jit_compile`.", stacklevel=2)
            jit_compile = False
        self._run_eagerly = bool(run_eagerly)
        self._jit_compile = jit_compile is True
        self._auto_scale_loss = auto_scale_loss
        self._compile_config = {
            "optimizer": self.optimizer,
            "loss": loss, "loss_weights": loss_weights, "metrics": metrics, "weighted_metrics": weighted_metrics,
            "run_eagerly": bool(run_eagerly), "steps_per_execution": 1, "jit_compile": self._jit_compile,
        }
        self.compiled = True
        self.stop_training = False
        self.train_function = self.test_function = self.predict_function = None
        self._bump_metrics()
        distribution_lib.prepare_model(self)  # keras.distribution: shard a built model before the optimizer builds

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
    def _bump_metrics(self):
        self.__dict__.pop("_metrics_cache", None)

    @property
    def metrics(self):
        """The model's metrics: the loss tracker, the compiled metrics, per-output losses, then user metrics
        and the metrics of sublayers (Keras's order)."""
        key = (structure_version(), len(self._tracked_metrics),
               len(self._compile_loss.metrics) if self._compile_loss is not None else 0)
        cached = self.__dict__.get("_metrics_cache")
        if cached is not None and cached[0] == key:
            return list(cached[1])
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
        self.__dict__["_metrics_cache"] = (key, out)
        return list(out)

    @property
    def metrics_variables(self):
        return [v for m in self.metrics for v in m.variables]

    def reset_metrics(self):
        for m in self.metrics:
            m.reset_state()

    def get_metrics_result(self):
        """The values of `self.metrics` as a dict (a metric whose result is a dict, such as the compiled
        metrics, contributes its entries). Values are device tensors: nothing is read back to the host."""
        results = {}
        for m in self.metrics:
            r = m.result()
            if isinstance(r, dict):
                results.update(r)
            else:
                results[m.name] = r
        return results

    def _get_metrics_result_or_logs(self, logs):
        """The model's metric results when the step's logs have the same keys (Keras's rule), else the logs."""
        metric_logs = self.get_metrics_result()
        if isinstance(logs, dict) and set(logs) == set(metric_logs):
            return metric_logs
        return logs

    # --- Keras 2's containers (`self.compiled_loss(...)`, `self.compiled_metrics.update_state(...)`) ----------
    @property
    def compiled_loss(self):
        """Keras 2's loss container: `self.compiled_loss(y, y_pred, sample_weight, regularization_losses)`
        returns the total loss and updates the `loss` metric."""
        if self._compile_loss is None:
            return None
        return compile_utils.Keras2LossContainer(self)

    @property
    def compiled_metrics(self):
        """Keras 2's metrics container (`update_state(y, y_pred, sample_weight)`, `metrics`, `reset_state()`)."""
        return self._compile_metrics

    # --- losses ----------------------------------------------------------------------------------------
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The total loss: the compiled loss(es) plus the model's `losses` (`add_loss`, regularizers).

        Override it to compute the loss your own way; `train_step` and `test_step` call it.
        """
        del x, training
        total = None
        if self._compile_loss is not None:
            total = self._compile_loss(y, y_pred, sample_weight)
        for loss in self.losses:
            if not loss.is_floating_point():
                loss = loss.float()
            value = loss.sum() if loss.dim() else loss
            total = value if total is None else total + value
        if total is None:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        return total

    def _compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """`compute_loss`, without `training` for overrides written before Keras 3.3 added it."""
        if _takes_training(type(self).compute_loss):
            return self.compute_loss(x, y, y_pred, sample_weight, training=training)
        return self.compute_loss(x, y, y_pred, sample_weight)

    def stateless_compute_loss(self, trainable_variables, non_trainable_variables, metrics_variables, x=None,
                               y=None, y_pred=None, sample_weight=None, training=True):
        """`compute_loss` on the given values of the model's variables; returns
        `(loss, (trainable_variables, non_trainable_variables, metrics_variables))` with their new values."""
        from torchkeras.backend.stateless_scope import StatelessScope

        groups = (self.trainable_variables, self.non_trainable_variables, self.metrics_variables)
        mapping = [pair for own, given in zip(groups, (trainable_variables, non_trainable_variables,
                                                        metrics_variables)) for pair in zip(own, given)]
        with StatelessScope(state_mapping=mapping) as scope:
            loss = self._compute_loss(x, y, y_pred, sample_weight, training=training)
        return loss, tuple([scope.get_current_value(v) for v in own] for own in groups)

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Update the compiled metrics with this batch and return `get_metrics_result()`."""
        del x
        if self._compile_metrics is not None and y is not None:
            self._compile_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    # --- steps -----------------------------------------------------------------------------------------
    def train_step(self, data):
        """One step of training on a batch `(x, y[, sample_weight])`; returns the logs (metric results).

        Override it to customize training, as in Keras 3 on torch: call the model, `self.zero_grad()`,
        `self.compute_loss(...)`, `loss.backward()`, `self.optimizer.apply(grads, self.trainable_weights)`,
        update the metrics, return `{m.name: m.result() for m in self.metrics}`.
        """
        x, y, sample_weight = data_adapter_utils.unpack_x_y_sample_weight(data)
        compiling = torch.compiler.is_compiling()
        y_pred = self(x, training=True)
        if not compiling:
            self.zero_grad()
        loss = self._compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=True)
        self._loss_tracker.update_state(loss, sample_weight=trainer_utils.batch_size_of(x))
        if self.optimizer is not None:
            loss = self.optimizer.scale_loss(loss)
        trainable_weights = self.trainable_weights
        if trainable_weights:
            if compiling:
                # Under `jit_compile=True` the gradients are taken inside the compiled graph (torch.compile
                # traces `torch.autograd.grad`, not `backward`), and the predictions go on detached.
                grads = torch.autograd.grad(loss, trainable_weights, allow_unused=True)
                y_pred = tree.map_structure(_detach, y_pred)
            else:
                loss.backward()
                grads = [v.grad for v in trainable_weights]
            with torch.no_grad():
                self.optimizer.apply(grads, trainable_weights)
        else:
            warnings.warn("The model does not have any trainable weights.", stacklevel=2)
        return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)

    def test_step(self, data):
        """One step of evaluation on a batch; returns the logs (metric results)."""
        x, y, sample_weight = data_adapter_utils.unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        loss = self._compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=False)
        self._loss_tracker.update_state(loss, sample_weight=trainer_utils.batch_size_of(x))
        return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)

    def predict_step(self, data):
        """The model's outputs for one batch (`x` or `(x,)`)."""
        x, _, _ = data_adapter_utils.unpack_x_y_sample_weight(data)
        return self(x, training=False)

    def zero_grad(self, set_to_none=True):
        """Clear the gradients of every weight (torch's `Module.zero_grad`, over the cached weight list)."""
        for v in self.variables:
            if v.grad is not None:
                if set_to_none:
                    v.grad = None
                else:
                    v.grad.detach_()
                    v.grad.zero_()

    # --- step functions: what fit/evaluate/predict call, each around its public step ---------------------
    def make_train_function(self, force=False):
        """Build `self.train_function(data)`: `train_step(data[0])`, compiled with `torch.compile` when
        `jit_compile=True`. `data` is the list of batches of one execution (one batch on torch)."""
        if self.train_function is not None and not force:
            return self.train_function

        def one_step_on_data(data):
            return self.train_step(data[0])

        self.train_function = self._maybe_jit(one_step_on_data, "train")
        return self.train_function

    def make_test_function(self, force=False):
        if self.test_function is not None and not force:
            return self.test_function

        def one_step_on_data(data):
            return legacy_api.run_without_grad(self, self.test_step, data[0])

        self.test_function = self._maybe_jit(one_step_on_data, "test")
        return self.test_function

    def make_predict_function(self, force=False):
        if self.predict_function is not None and not force:
            return self.predict_function

        def one_step_on_data(data):
            return legacy_api.run_without_grad(self, self.predict_step, data[0])

        self.predict_function = self._maybe_jit(one_step_on_data, "predict")
        return self.predict_function

    def _maybe_jit(self, fn, kind):
        if not self._jit_compile:
            return fn
        from torchkeras.trainers import jit

        return jit.compile_step(self, fn, kind)

    # --- building from data ----------------------------------------------------------------------------
    def _symbolic_build(self, iterator=None, data_batch=None, mode="train", targets=None, defer_generators=False):
        """Build the model, the compiled loss and metrics, and the optimizer from the first batch's shapes,
        before any step runs (as Keras does); also check the data against the model: the first batch's
        structure, dtypes and shapes, and the class labels of sparse losses and metrics (all in-memory labels,
        or `targets` where they are on the host)."""
        model_unbuilt = not self.built
        metrics_unbuilt = self._compile_metrics is not None and not self._compile_metrics.built
        loss_unbuilt = self._compile_loss is not None and not self._compile_loss.built
        optimizer_unbuilt = self.optimizer is not None and not getattr(self.optimizer, "built", True)
        if data_batch is None and iterator is not None:
            if defer_generators and not model_unbuilt and getattr(iterator.adapter, "unstarted", False):
                # Keras 2 reads a generator only after `on_train_begin` (generators that callbacks set up): `fit`
                # checks its first batch and builds the compiled loss and metrics then. Returns True: deferred.
                distribution_lib.prepare_model(self)
                self._symbolic_build_optimizer(optimizer_unbuilt)
                return True
            data_batch = iterator.first_batch()
        if data_batch is not None:
            argument = iterator.argument if iterator is not None else "x"
            argument_validation.check_batch(self, data_batch, argument, mode)
            x, y, sample_weight = data_adapter_utils.unpack_x_y_sample_weight(data_batch)
            y_pred_spec = None
            if model_unbuilt or metrics_unbuilt or loss_unbuilt:
                y_pred_spec = trainer_utils.symbolic_build(self, x, y, sample_weight, model_unbuilt,
                                                           metrics_unbuilt, loss_unbuilt)
            if mode != "predict":
                if y_pred_spec is None and self._declares_inputs:
                    def y_pred_spec():  # computed only if a loss or metric checks labels
                        return self._output_spec_for(tree.map_structure(trainer_utils._spec_of, x))
                if iterator is not None:
                    all_targets = iterator.all_targets if iterator.all_targets is not None else y
                    argument_validation.check_targets(self, all_targets, y_pred_spec, argument)
                else:
                    argument_validation.check_targets(self, targets, y_pred_spec, argument, host_only=True)
        distribution_lib.prepare_model(self)
        if optimizer_unbuilt:
            self._symbolic_build_optimizer(optimizer_unbuilt)

    def _symbolic_build_optimizer(self, optimizer_unbuilt):
        if optimizer_unbuilt and self.built:
            self.optimizer.build(self.trainable_weights)

    # --- fit / evaluate / predict ----------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None, validation_split=0.0,
            validation_data=None, shuffle=True, class_weight=None, sample_weight=None, initial_epoch=0,
            steps_per_epoch=None, validation_steps=None, validation_batch_size=None, validation_freq=1,
            **kwargs):
        """Train the model for `epochs` epochs; returns the `History`."""
        loop_options = legacy_api.pop_loop_options(kwargs)
        if kwargs:
            raise TypeError(f"{type(self).__name__}.fit() got an unexpected keyword argument "
                            f"'{next(iter(kwargs))}'")
        self._assert_compile_called("fit")
        argument_validation.validate_fit_arguments(
            batch_size=batch_size, epochs=epochs, verbose=verbose, callbacks=callbacks,
            validation_split=validation_split, validation_data=validation_data, shuffle=shuffle,
            class_weight=class_weight, initial_epoch=initial_epoch, steps_per_epoch=steps_per_epoch,
            validation_steps=validation_steps, validation_batch_size=validation_batch_size,
            validation_freq=validation_freq)
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
                                 shuffle=shuffle, class_weight=class_weight, **loop_options)
        deferred = [(iterator, "train")] if self._symbolic_build(iterator=iterator, defer_generators=True) else []
        iterator = distributed.shard(iterator, x)
        val_iterator = None
        if val_data is not None:  # checked before training, not after the first epoch
            val_iterator = EpochIterator(val_data[0], val_data[1], val_data[2],
                                         batch_size=validation_batch_size or batch_size,
                                         steps_per_epoch=validation_steps, shuffle=False, argument="validation_data",
                                         **loop_options)
            if self._symbolic_build(iterator=val_iterator, mode="test", defer_generators=True):
                deferred.append((val_iterator, "test"))
            val_iterator = distributed.shard(val_iterator, val_data[0], training=False)
        verbose = trainer_utils.resolve_verbose(verbose)
        callbacks, verbose = distributed.gate_callbacks(callbacks, verbose)
        if not isinstance(callbacks, CallbackList):
            callbacks = CallbackList(callbacks, add_history=True, add_progbar=verbose != 0, model=self,
                                     verbose=verbose, epochs=epochs, steps=iterator.num_batches)
        self.stop_training = False
        self.make_train_function()
        batch_begin = callbacks.needs_batch_logs("on_train_batch_begin")
        batch_end = callbacks.needs_batch_logs("on_train_batch_end")
        callbacks.on_train_begin()
        for deferred_iterator, mode in deferred:  # generators are read from here on
            self._symbolic_build(iterator=deferred_iterator, mode=mode)
        training_logs = None
        if self._initial_epoch is not None:
            initial_epoch = self._initial_epoch
        try:
            for epoch in range(initial_epoch, epochs):
                self.reset_metrics()
                callbacks.on_epoch_begin(epoch)
                self.train()
                train_function = self.train_function
                logs = None
                for step, batch in iterator.enumerate_epoch():
                    if batch_begin:
                        callbacks.on_train_batch_begin(step)
                    logs = train_function([batch])
                    if batch_end:
                        callbacks.on_train_batch_end(step, LazyLogs(logs))
                    if self.stop_training:
                        break
                distributed.sync_metrics(self)
                epoch_logs = pythonify_logs(self._get_metrics_result_or_logs(logs))
                self.eval()
                if val_iterator is not None and trainer_utils.should_eval(epoch, validation_freq):
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
        if self.optimizer is not None and hasattr(self.optimizer, "finalize_variable_values") and epochs > 0:
            self.optimizer.finalize_variable_values(self.trainable_weights)
        callbacks.on_train_end(logs=training_logs)
        return self.history

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, return_dict=False, **kwargs):
        """Loss and metric values of the model on the given data (a scalar, a list, or a dict)."""
        iterator = kwargs.pop("_epoch_iterator", None)
        loop_options = legacy_api.pop_loop_options(kwargs)
        if kwargs:
            raise ValueError(f"Arguments not recognized: {kwargs}")
        self._assert_compile_called("evaluate")
        argument_validation.validate_evaluate_arguments(batch_size=batch_size, verbose=verbose, steps=steps,
                                                        callbacks=callbacks)
        if iterator is None:
            iterator = EpochIterator(x, y, sample_weight, batch_size=batch_size, steps_per_epoch=steps,
                                     shuffle=False, **loop_options)
            self._symbolic_build(iterator=iterator, mode="test")
            iterator = distributed.shard(iterator, x, training=False)
        verbose = trainer_utils.resolve_verbose(verbose)
        callbacks, verbose = distributed.gate_callbacks(callbacks, verbose)
        if not isinstance(callbacks, CallbackList):
            callbacks = CallbackList(callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1,
                                     steps=iterator.num_batches)
        self._eval_mode()
        self.make_test_function()
        test_function = self.test_function
        batch_begin = callbacks.needs_batch_logs("on_test_batch_begin")
        batch_end = callbacks.needs_batch_logs("on_test_batch_end")
        self.stop_evaluating = False
        callbacks.on_test_begin()
        self.reset_metrics()
        logs = None
        for step, batch in iterator.enumerate_epoch():
            if batch_begin:
                callbacks.on_test_batch_begin(step)
            logs = test_function([batch])
            if batch_end:
                callbacks.on_test_batch_end(step, LazyLogs(logs))
            if self.stop_evaluating:
                break
        distributed.sync_metrics(self, weights=False)
        logs = pythonify_logs(self._get_metrics_result_or_logs(logs))
        callbacks.on_test_end(logs)
        if return_dict:
            return logs
        return self._flatten_metrics_in_order(logs)

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None, **kwargs):
        """The model's outputs for the inputs `x`, as NumPy arrays."""
        loop_options = legacy_api.pop_loop_options(kwargs)
        if kwargs:
            raise TypeError(f"{type(self).__name__}.predict() got an unexpected keyword argument "
                            f"'{next(iter(kwargs))}'")
        argument_validation.validate_predict_arguments(batch_size=batch_size, verbose=verbose, steps=steps,
                                                       callbacks=callbacks)
        x = legacy_api.keras2_predict_inputs(x)
        if steps is None and trainer_utils.fits_one_batch(x, batch_size):
            batch = (trainer_utils.batch_to_tensors(x),)
            if callbacks is None and verbose == 0:
                # One batch, and no callback or progress bar to tell: `predict_on_batch`.
                self.stop_predicting = False
                return self._predict_one_batch(batch)
            iterator = SingleBatchIterator(batch)
        else:
            iterator = EpochIterator(x, batch_size=batch_size, steps_per_epoch=steps, shuffle=False,
                                     **loop_options)
        self._symbolic_build(iterator=iterator, mode="predict")
        verbose = trainer_utils.resolve_verbose(verbose)
        if callbacks is None and verbose == 0:
            callbacks = self._no_callbacks()  # nothing to set up: the same empty list on every call
        elif not isinstance(callbacks, CallbackList):
            callbacks = CallbackList(callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1,
                                     steps=iterator.num_batches)
        self._eval_mode()
        self.make_predict_function()
        predict_function = self.predict_function
        batch_begin = callbacks.needs_batch_logs("on_predict_batch_begin")
        batch_end = callbacks.needs_batch_logs("on_predict_batch_end")
        self.stop_predicting = False
        callbacks.on_predict_begin()
        outputs = []
        for step, batch in iterator.enumerate_epoch():
            if batch_begin:
                callbacks.on_predict_batch_begin(step)
            out = predict_function([batch])
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
        argument_validation.check_class_weight(class_weight)
        if class_weight is not None:
            if sample_weight is not None:
                raise ValueError(
                    "Arguments `sample_weight` and `class_weight` cannot be specified at the same time. "
                    f"Received: sample_weight={sample_weight}, class_weight={class_weight}")
            sample_weight = data_adapter_utils.class_weight_to_sample_weights(y, class_weight)
        batch = self._single_batch(x, y, sample_weight)
        self._symbolic_build(data_batch=batch, targets=y)
        self.make_train_function()
        if reset_metrics:
            self.reset_metrics()
        self.train()
        try:
            logs = self.train_function([batch])
        finally:
            self.eval()
        logs = pythonify_logs(logs)
        if return_dict:
            return logs
        return self._flatten_metrics_in_order(logs)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False, reset_metrics=True):
        """Evaluate on one batch; returns that batch's loss and metrics."""
        self._assert_compile_called("test_on_batch")
        batch = self._single_batch(x, y, sample_weight)
        self._symbolic_build(data_batch=batch, mode="test", targets=y)
        self.make_test_function()
        if reset_metrics:
            self.reset_metrics()
        self.eval()
        logs = pythonify_logs(self.test_function([batch]))
        if return_dict:
            return logs
        return self._flatten_metrics_in_order(logs)

    def predict_on_batch(self, x):
        """The model's outputs for one batch, as NumPy arrays."""
        return self._predict_one_batch((trainer_utils.batch_to_tensors(x),))

    def _predict_one_batch(self, batch):
        """`batch` (a batch of inputs as tensors, in a 1-tuple) checked, and the predict step's outputs on it as
        NumPy arrays."""
        self._symbolic_build(data_batch=batch, mode="predict")
        self.make_predict_function()
        self._eval_mode()
        return trainer_utils.concat_to_numpy([self.predict_function([batch])])

    def _eval_mode(self):
        """`self.eval()` unless the model is in inference mode already (it walks every module)."""
        if self.training:
            self.eval()

    def _no_callbacks(self):
        callbacks = self.__dict__.get("_empty_callbacks")
        if callbacks is None or callbacks.model is not self:
            callbacks = CallbackList(None, model=self, verbose=0, epochs=1, steps=None)
            self.__dict__["_empty_callbacks"] = callbacks
        return callbacks

    def _single_batch(self, x, y, sample_weight):
        adapter = ArrayDataAdapter(x, y, sample_weight=sample_weight, batch_size=None, shuffle=False)
        adapter.batch_size = max(adapter.num_samples, 1)
        return next(iter(adapter.get_iterator()))

    def _flatten_metrics_in_order(self, logs):
        """The values of `logs` as a list in Keras's order (`_metric_result_order`); one value alone."""
        results = [logs[k] for k in self._metric_result_order(logs)]
        if len(results) == 1:
            return results[0]
        return results

    def _metric_result_order(self, keys):
        """Keras's list order for `evaluate`/`*_on_batch` results: the metrics' names in order, then the other
        keys sorted (Keras matches the compiled metrics by their own names, so per-output ones sort)."""
        names = []
        for m in self.metrics:
            if isinstance(m, compile_utils.CompileMetrics):
                names += [sub.name for sub in m.metrics]
            else:
                names.append(m.name)
        keys = list(keys)
        return [n for n in names if n in keys] + sorted(k for k in set(keys) if k not in names)


def _detach(value):
    return value.detach() if isinstance(value, torch.Tensor) else value


def _takes_training(method):
    """Whether a `compute_loss` (override) accepts `training` (cached per function)."""
    cached = _TAKES_TRAINING.get(method)
    if cached is None:
        try:
            params = inspect.signature(method).parameters
            cached = "training" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())
        except (TypeError, ValueError):
            cached = True
        _TAKES_TRAINING[method] = cached
    return cached


_TAKES_TRAINING = {}
