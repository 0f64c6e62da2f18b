"""`keras.callbacks.TensorBoard`: write TensorBoard logs (scalars, histograms, images, graph, profile).

Keras writes through `tensorflow.summary`; torchkeras writes the same runs and tags with the `tensorboard`
package's event writer (through `torch.utils.tensorboard.SummaryWriter`), so no TensorFlow is needed:

- `log_dir/train/`: `epoch_<key>` for every training log key plus `epoch_learning_rate` (step = epoch),
  `batch_<key>` every `update_freq` batches (step = global batch count, from 1), weight histograms
  `<weight.path>/histogram` (and `<weight.path>/image` with `write_images`), the model graph traced by torch,
  the model's Keras JSON config as the summary `keras` (Keras's `graph_keras_model` plugin), the profile.
- `log_dir/validation/`: `epoch_<key>` for every `val_<key>` (prefix removed), and
  `evaluation_<key>_vs_iterations` at each evaluation end (step = optimizer iterations).
"""
import contextlib
import io
import os
import time
import warnings

import numpy as np
import torch

from torchkeras.api_export import keras_export
from torchkeras.callbacks.callback import Callback
from torchkeras.callbacks.lazy_logs import LazyLogs
from torchkeras.callbacks.monitor_callback import inner_optimizers
from torchkeras.callbacks.monitor_callback import learning_rate_value
from torchkeras.utils import tree

_KERAS2_IGNORED_KWARGS = {
    "write_grads": "`write_grads` will be ignored in TensorFlow 2.0 for the `TensorBoard` Callback.",
    "batch_size": "`batch_size` is no longer needed in the `TensorBoard` Callback and will be ignored in "
                  "TensorFlow 2.0.",
    "embeddings_layer_names": "`embeddings_layer_names` is not supported in TensorFlow 2.0. Instead, all "
                              "`Embedding` layers will be visualized.",
    "embeddings_data": "`embeddings_data` is not supported in TensorFlow 2.0. Instead, all `Embedding` "
                       "variables will be visualized.",
}


@keras_export("keras.callbacks.TensorBoard")
class TensorBoard(Callback):
    """Enable visualizations for TensorBoard (`tensorboard --logdir=log_dir`).

    Args:
        log_dir: the directory of the logs (`train/` and `validation/` runs are written inside it).
        histogram_freq: frequency (in epochs) of weight histograms; 0 disables them.
        write_graph: write the model graph (torch trace) and the Keras model config.
        write_images: write the weights as images (with `histogram_freq`).
        write_steps_per_second: log the training steps per second (per epoch, and per batch with
            `update_freq`).
        update_freq: `"epoch"`, `"batch"` or an integer: also write `batch_*` scalars every that many batches.
        profile_batch: profile a batch (an int) or a range of batches (`(start, stop)` or `"start,stop"`)
            with `torch.profiler`; 0 disables profiling.
        embeddings_freq: frequency (in epochs) at which `Embedding` layers are written for the projector.
        embeddings_metadata: a metadata file for all embeddings, or a dict `{layer name: metadata file}`.
    """

    # Batch logs are read only on the batches that write `batch_*` scalars.
    _accepts_lazy_logs = True

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0, embeddings_freq=0,
                 embeddings_metadata=None, **kwargs):
        super().__init__()
        for name in list(kwargs):
            if name in _KERAS2_IGNORED_KWARGS:
                if kwargs.pop(name):
                    warnings.warn(_KERAS2_IGNORED_KWARGS[name], stacklevel=2)
        if kwargs:
            raise TypeError(f"TensorBoard.__init__() got an unexpected keyword argument '{next(iter(kwargs))}'")
        _summary_writer_class()  # fail early, with an install hint, if `tensorboard` is missing
        self.log_dir = os.fspath(log_dir) if not isinstance(log_dir, str) else log_dir
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        if update_freq == "batch":
            update_freq = 1
        if update_freq != "epoch" and (not isinstance(update_freq, int) or isinstance(update_freq, bool)
                                       or update_freq < 1):
            raise ValueError(
                "Expected `update_freq` to be 'epoch', 'batch' or a positive integer. "
                f"Received: update_freq={update_freq}"
            )
        self.update_freq = update_freq
        self.embeddings_freq = embeddings_freq
        self.embeddings_metadata = embeddings_metadata
        self._init_profile_batch(profile_batch)
        self._global_train_batch = 0
        self._global_test_batch = 0
        self._previous_epoch_iterations = 0
        self._epoch_start_time = 0.0
        self._batch_start_time = 0.0
        self._writers = {}
        self._model_for_writers = None
        self._keras_summary_written = False
        self._should_write_train_graph = False
        self._graph_inputs = None
        self._graph_hook = None
        self._in_fit = False
        self._train_dir = os.path.join(self.log_dir, "train")
        self._val_dir = os.path.join(self.log_dir, "validation")

    # --- writers -------------------------------------------------------------------------------------
    def set_model(self, model):
        if self._model_for_writers is not None and model is not self._model_for_writers:
            self._close_writers()
            self._keras_summary_written = False
        super().set_model(model)
        self._model_for_writers = model
        self._log_write_dir = self.log_dir
        self._should_write_train_graph = False
        if self.write_graph:
            if not self._keras_summary_written:
                self._write_keras_model_summary()
            self._should_write_train_graph = True
        if self.embeddings_freq:
            self._configure_embeddings()

    def _writer(self, name):
        writer = self._writers.get(name)
        if writer is None:
            directory = self._train_dir if name == "train" else self._val_dir
            writer = self._writers[name] = _summary_writer_class()(log_dir=directory)
        return writer

    @property
    def _train_writer(self):
        return self._writer("train")

    @property
    def _val_writer(self):
        return self._writer("val")

    def _close_writers(self):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    def _flush_writers(self):
        for writer in self._writers.values():
            writer.flush()

    # --- graph ---------------------------------------------------------------------------------------
    def _write_keras_model_summary(self):
        """The model's JSON config as the summary `keras` (plugin `graph_keras_model`, as Keras writes it);
        TensorBoard's Graphs dashboard shows it as the Keras model. Sequential and functional models only."""
        if type(self.model).__name__ not in ("Functional", "Sequential"):
            return
        try:
            json_string = self.model.to_json()
        except Exception as exc:  # noqa: BLE001 - a model that cannot serialize must not break training
            warnings.warn(f"Model failed to serialize as JSON. Ignoring... {exc}")
            return
        from tensorboard.compat.proto.summary_pb2 import Summary
        from tensorboard.compat.proto.summary_pb2 import SummaryMetadata
        from tensorboard.compat.proto.tensor_pb2 import TensorProto
        from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto

        metadata = SummaryMetadata(
            plugin_data=SummaryMetadata.PluginData(plugin_name="graph_keras_model", content=b"1"))
        tensor = TensorProto(dtype="DT_STRING", string_val=[json_string.encode("utf-8")],
                             tensor_shape=TensorShapeProto())
        summary = Summary(value=[Summary.Value(tag="keras", tensor=tensor, metadata=metadata)])
        self._train_writer._get_file_writer().add_summary(summary, global_step=0)
        self._keras_summary_written = True

    def _capture_graph_inputs(self, module, args):
        # A forward pre-hook on the model, used for the first training batch only.
        def first_row(x):
            return x[:1].detach() if isinstance(x, torch.Tensor) and x.dim() else x

        self._graph_inputs = tree.map_structure(first_row, tuple(args))
        self._remove_graph_hook()

    def _remove_graph_hook(self):
        if self._graph_hook is not None:
            self._graph_hook.remove()
            self._graph_hook = None

    def _write_model_train_graph(self):
        """The graph of the model's forward pass, traced by torch on the first row of the first batch."""
        inputs = self._graph_inputs
        self._graph_inputs = None
        if inputs is None:
            return
        args = inputs[0] if len(inputs) == 1 else inputs
        try:
            # torch.jit.trace's TracerWarnings and the writer's own "Error occurs" print are not the user's business.
            with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
                warnings.simplefilter("ignore")
                self._train_writer.add_graph(self.model, args)
        except Exception as exc:  # noqa: BLE001 - tracing is best effort
            warnings.warn(
                "TensorBoard could not trace the model's graph with torch.jit.trace, so no graph is written "
                f"(the Keras model config is still written as `keras`). Reason: {type(exc).__name__}: {exc}",
                stacklevel=2,
            )

    # --- embeddings ----------------------------------------------------------------------------------
    def _embedding_layers(self):
        return [layer for layer in _all_layers(self.model) if _is_embedding(layer)]

    def _configure_embeddings(self):
        metadata = self.embeddings_metadata
        if metadata is None or isinstance(metadata, str):
            return
        names = {layer.name for layer in self._embedding_layers()}
        unknown = [name for name in metadata if name not in names]
        if unknown:
            raise ValueError(
                "Unrecognized `Embedding` layer names passed to `keras.callbacks.TensorBoard` "
                f"`embeddings_metadata` argument: {unknown}"
            )

    def _metadata_for(self, layer):
        metadata = self.embeddings_metadata
        path = metadata if isinstance(metadata, str) else (metadata or {}).get(layer.name)
        if path is None:
            return None, None
        with open(path, "r", encoding="utf-8") as f:
            lines = [line.rstrip("\n") for line in f]
        rows = int(layer.embeddings.shape[0])
        if len(lines) == rows + 1 and "\t" in lines[0]:
            return [line.split("\t") for line in lines[1:]], lines[0].split("\t")
        if len(lines) == rows:
            return lines, None
        warnings.warn(
            f"The embeddings metadata file {path} has {len(lines)} lines but layer '{layer.name}' has {rows} "
            "embeddings (expected one label per line, or a tab-separated header line plus one line per "
            "embedding). The metadata is not written.",
            stacklevel=3,
        )
        return None, None

    def _log_embeddings(self, epoch):
        for layer in self._embedding_layers():
            labels, header = self._metadata_for(layer)
            self._train_writer.add_embedding(_to_numpy(layer.embeddings), metadata=labels, metadata_header=header,
                                             tag=layer.name, global_step=epoch)

    # --- profiling -----------------------------------------------------------------------------------
    def _init_profile_batch(self, profile_batch):
        message = (
            "profile_batch must be a non-negative integer or 2-tuple of positive integers. A pair of positive "
            f"integers signifies a range of batches to profile. Found: {profile_batch}"
        )
        value = profile_batch
        if isinstance(value, str):
            try:
                value = [int(v) for v in value.split(",")]
            except ValueError:
                raise ValueError(message)
            if len(value) == 1:
                value = value[0]
        if isinstance(value, int) and not isinstance(value, bool):
            start, stop = value, value
        elif isinstance(value, (tuple, list)) and len(value) == 2:
            start, stop = value
        else:
            raise ValueError(message)
        if start < 0 or stop < start:
            raise ValueError(message)
        self._start_batch, self._stop_batch = start, stop
        self._should_trace = not (start == 0 and stop == 0)
        self._profiler = None
        self._is_tracing = False
        if self._should_trace and not _torch_profiler_available():
            raise ValueError(
                "Profiling is not yet available with the torch backend. Please open a PR if you'd like to add "
                f"this feature. Received: profile_batch={profile_batch} (must be 0)"
            )

    def _start_trace(self):
        from torch import profiler

        activities = [profiler.ProfilerActivity.CPU]
        if torch.cuda.is_available():
            activities.append(profiler.ProfilerActivity.CUDA)
        trace_dir = os.path.join(self._train_dir, "plugins", "profile")
        try:
            self._profiler = profiler.profile(activities=activities,
                                              on_trace_ready=profiler.tensorboard_trace_handler(trace_dir))
            self._profiler.start()
            self._is_tracing = True
        except Exception as exc:  # noqa: BLE001 - profiler errors must not be fatal (as in Keras)
            self._profiler = None
            warnings.warn(f"Failed to start profiler: {exc}", stacklevel=2)

    def _stop_trace(self):
        try:
            if self._profiler is not None:
                self._profiler.stop()
        except Exception as exc:  # noqa: BLE001
            warnings.warn(f"Failed to stop profiler: {exc}", stacklevel=2)
        finally:
            self._profiler = None
            self._is_tracing = False

    # --- hooks ---------------------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self._in_fit = True
        self._global_train_batch = 0
        self._previous_epoch_iterations = 0
        if self._should_write_train_graph and self._graph_hook is None and isinstance(self.model, torch.nn.Module):
            self._graph_hook = self.model.register_forward_pre_hook(self._capture_graph_inputs)

    def on_train_end(self, logs=None):
        self._in_fit = False
        self._remove_graph_hook()
        if self._is_tracing:
            self._stop_trace()
        self._close_writers()

    def on_train_batch_begin(self, batch, logs=None):
        self._global_train_batch += 1
        if self.write_steps_per_second:
            self._batch_start_time = time.time()
        if self._should_trace and not self._is_tracing and self._global_train_batch == self._start_batch:
            self._start_trace()

    def on_train_batch_end(self, batch, logs=None):
        if self._should_write_train_graph:
            self._should_write_train_graph = False
            self._write_model_train_graph()
        step = self._global_train_batch
        if self.update_freq != "epoch" and step % self.update_freq == 0:
            writer = self._train_writer
            if self.write_steps_per_second:
                elapsed = time.time() - self._batch_start_time
                if elapsed > 0:
                    writer.add_scalar("batch_steps_per_second", 1.0 / elapsed, global_step=step)
            values = logs.materialize() if isinstance(logs, LazyLogs) else logs
            if isinstance(values, dict):
                for name, value in values.items():
                    if _is_scalar(value):
                        writer.add_scalar(f"batch_{name}", float(value), global_step=step)
        if self._is_tracing and step >= self._stop_batch:
            self._stop_trace()

    def on_test_batch_begin(self, batch, logs=None):
        self._global_test_batch += 1

    def on_test_end(self, logs=None):
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and hasattr(optimizer, "iterations"):
            step = int(_to_numpy(optimizer.iterations))
            writer = self._val_writer
            for name, value in (logs or {}).items():
                if _is_scalar(value):
                    writer.add_scalar(f"evaluation_{name}_vs_iterations", float(value), global_step=step)
        if not self._in_fit:
            self._flush_writers()

    def on_epoch_begin(self, epoch, logs=None):
        if self.write_steps_per_second:
            self._previous_epoch_iterations = _iterations(self.model)
            self._epoch_start_time = time.time()

    def on_epoch_end(self, epoch, logs=None):
        self._log_epoch_metrics(epoch, logs)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        if self.embeddings_freq and epoch % self.embeddings_freq == 0:
            self._log_embeddings(epoch)
        self._flush_writers()

    # --- epoch summaries -----------------------------------------------------------------------------
    def _collect_learning_rate(self, logs):
        optimizers, multi = inner_optimizers(getattr(self.model, "optimizer", None))
        for opt in optimizers:
            if opt is None or not hasattr(opt, "learning_rate"):
                continue
            try:
                value = learning_rate_value(opt)
            except (TypeError, ValueError):
                continue
            logs[f"learning_rate_{opt.name}" if multi else "learning_rate"] = value
        return logs

    def _log_epoch_metrics(self, epoch, logs):
        if not logs:
            return
        train_logs = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val_logs = {k: v for k, v in logs.items() if k.startswith("val_")}
        train_logs = self._collect_learning_rate(train_logs)
        if self.write_steps_per_second:
            elapsed = time.time() - self._epoch_start_time
            steps = _iterations(self.model) - self._previous_epoch_iterations
            train_logs["steps_per_second"] = steps / elapsed if elapsed > 0 else 0.0
        if train_logs:
            writer = self._train_writer
            for name, value in train_logs.items():
                if _is_scalar(value):
                    writer.add_scalar(f"epoch_{name}", float(value), global_step=epoch)
        if val_logs:
            writer = self._val_writer
            for name, value in val_logs.items():
                if _is_scalar(value):
                    writer.add_scalar(f"epoch_{name[4:]}", float(value), global_step=epoch)

    def _log_weights(self, epoch):
        writer = self._train_writer
        for layer in self.model.layers:
            for weight in layer.weights:
                name = weight.path.replace(":", "_")
                values = _to_numpy(weight)
                if values.size == 0:
                    continue
                writer.add_histogram(f"{name}/histogram", values, global_step=epoch)
                if self.write_images:
                    self._log_weight_as_image(values, f"{name}/image", epoch)
        writer.flush()

    def _log_weight_as_image(self, values, tag, epoch):
        """Biases as a 1-row image, 2D kernels as one image (wide side horizontal), 3D kernels as one
        image per output channel; other shapes are skipped (as Keras does)."""
        image = np.squeeze(values)
        shape = image.shape
        if len(shape) == 1:
            image = image.reshape(1, shape[0], 1, 1)
        elif len(shape) == 2:
            if shape[0] > shape[1]:
                image = image.T
                shape = image.shape
            image = image.reshape(1, shape[0], shape[1], 1)
        elif len(shape) == 3:
            from torchkeras.backend import config as backend_config

            if backend_config.image_data_format() == "channels_last":
                image = np.transpose(image, (2, 0, 1))
                shape = image.shape
            image = image.reshape(shape[0], shape[1], shape[2], 1)
        if image.ndim == 4 and image.shape[-1] in (1, 3, 4):
            self._train_writer.add_images(tag, image.astype(np.float32), global_step=epoch, dataformats="NHWC")


# --- helpers --------------------------------------------------------------------------------------------


def _summary_writer_class():
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError as e:
        raise ImportError(
            "The TensorBoard callback needs the `tensorboard` package (`pip install tensorboard`). "
            f"TensorFlow is not needed. Import error: {e}"
        ) from e
    return SummaryWriter


def _torch_profiler_available():
    try:
        from torch import profiler

        return hasattr(profiler, "profile") and hasattr(profiler, "tensorboard_trace_handler")
    except ImportError:
        return False


def _to_numpy(value):
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def _is_scalar(value):
    if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        return True
    return isinstance(value, (np.ndarray, torch.Tensor)) and np.prod(tuple(value.shape)) == 1


def _iterations(model):
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not hasattr(optimizer, "iterations"):
        return 0
    return float(_to_numpy(optimizer.iterations))


def _all_layers(model):
    flatten = getattr(model, "_flatten_layers", None)
    if flatten is not None:
        return list(flatten(include_self=False))
    return list(getattr(model, "layers", []))


def _is_embedding(layer):
    try:
        from torchkeras.layers.core.embedding import Embedding
    except ImportError:
        return type(layer).__name__ == "Embedding"
    return isinstance(layer, Embedding)
