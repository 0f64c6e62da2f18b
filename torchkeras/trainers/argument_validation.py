"""Checks of what `fit`, `evaluate`, `predict` and `*_on_batch` are given, made once, before any work.

Arguments are checked at the top of each entry point (Keras's wording where Keras has a message). Data is
checked at the boundary, on the first batch of each data source (`x`, `validation_data`, a generator, a
PyDataset, a DataLoader): its structure, dtypes and shapes against the model's declared inputs, and the
labels of sparse categorical losses and metrics (over all in-memory labels on the host, where the data is).
Nothing here runs inside the per-batch loop.
"""
import numbers

import numpy as np
import torch

from torchkeras.backend.structure import structure_version
from torchkeras.trainers.data_adapters import data_adapter_utils
from torchkeras.utils import tree

_VERBOSE = ("auto", 0, 1, 2)


# --- arguments --------------------------------------------------------------------------------------------------
def _is_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _positive_int_or_none(name, value, default=None):
    if value is None or (_is_int(value) and value > 0):
        return
    hint = f", or None for the default ({default})" if default is not None else ", or None"
    raise ValueError(
        f"{name} should be a positive integer value, but got {name}={value!r}. Pass a positive int{hint}."
    )


def _non_negative_int(name, value):
    if _is_int(value) and value >= 0:
        return
    raise ValueError(f"{name} should be a non-negative integer value, but got {name}={value!r}.")


def _check_verbose(verbose):
    if (isinstance(verbose, str) and verbose == "auto") or (
            isinstance(verbose, (int, np.integer)) and not isinstance(verbose, str) and int(verbose) in (0, 1, 2)):
        return
    raise ValueError(
        f'verbose should be "auto", 0, 1 or 2, but got verbose={verbose!r}. 0 is silent, 1 shows a progress '
        'bar, 2 prints one line per epoch, and "auto" is 1.'
    )


def _check_callbacks(callbacks):
    from torchkeras.callbacks.callback import Callback
    from torchkeras.callbacks.callback_list import CallbackList

    if callbacks is None or isinstance(callbacks, (Callback, CallbackList)):
        return
    if not isinstance(callbacks, (list, tuple)):
        raise TypeError(
            "callbacks should be a list of `keras.callbacks.Callback` instances, but got "
            f"callbacks={callbacks!r} (of type {type(callbacks).__name__})."
        )
    for index, cb in enumerate(tree.flatten(list(callbacks))):
        if isinstance(cb, Callback):
            continue
        if isinstance(cb, type):
            hint = f" (a class): pass an instance, e.g. `{cb.__name__}()`"
        elif callable(getattr(cb, "set_model", None)) and callable(getattr(cb, "set_params", None)):
            continue  # a Keras-2-style callback from another base class: duck-typed like Keras
        else:
            hint = f" (of type {type(cb).__name__})"
        raise TypeError(
            f"callbacks should be a list of `keras.callbacks.Callback` instances, but callbacks[{index}] is "
            f"{cb!r}{hint}."
        )


def _is_whole_number(value):
    if _is_int(value):
        return True
    if isinstance(value, (float, np.floating)):
        return float(value).is_integer()
    if isinstance(value, str):
        return value.strip().isdigit()
    return False


def check_class_weight(class_weight):
    """`class_weight` is None or a dict `{class index: weight}` (Keras 2's message for other values)."""
    if class_weight is None:
        return
    if not isinstance(class_weight, dict):
        raise ValueError(
            "Expected `class_weight` to be a dict with keys from 0 to one less than the number of classes, "
            f"found {class_weight!r} (of type {type(class_weight).__name__})."
        )
    for key, weight in class_weight.items():
        if not _is_whole_number(key) or int(float(key)) < 0:
            raise ValueError(
                "Expected `class_weight` to be a dict with keys from 0 to one less than the number of classes, "
                f"found the key {key!r} in class_weight={class_weight!r}."
            )
        if isinstance(weight, (bool, np.bool_)) or not isinstance(weight, (numbers.Real, np.floating, np.integer)) \
                or not np.isfinite(float(weight)):
            raise ValueError(
                f"class_weight values should be finite numbers (the weight of each class), but got "
                f"class_weight[{key!r}]={weight!r}."
            )


def _check_shuffle(shuffle):
    if shuffle is None or isinstance(shuffle, (bool, np.bool_)) or shuffle == "batch" or (
            _is_int(shuffle) and shuffle in (0, 1)):
        return
    raise ValueError(f'shuffle should be True, False or "batch", but got shuffle={shuffle!r}.')


def _check_validation_freq(validation_freq):
    if isinstance(validation_freq, (list, tuple, set)):
        if all(_is_int(e) and e > 0 for e in validation_freq):
            return
        raise ValueError(
            "validation_freq should be a positive integer value or a list of epoch numbers (counted from 1), "
            f"but got validation_freq={validation_freq!r}."
        )
    if not _is_int(validation_freq):
        raise ValueError(
            "Expected `validation_freq` to be a list or int. "
            f"Received: validation_freq={validation_freq} of the type {type(validation_freq)}."
        )
    if validation_freq <= 0:
        raise ValueError(
            "validation_freq should be a positive integer value or a list of epoch numbers (counted from 1), "
            f"but got validation_freq={validation_freq!r}."
        )


def validate_fit_arguments(batch_size=None, epochs=1, verbose="auto", callbacks=None, validation_split=0.0,
                           validation_data=None, shuffle=True, class_weight=None, initial_epoch=0,
                           steps_per_epoch=None, validation_steps=None, validation_batch_size=None,
                           validation_freq=1):
    """The checks of `fit()`'s arguments (before any data is read)."""
    _positive_int_or_none("batch_size", batch_size, default=32)
    _non_negative_int("epochs", epochs)
    _non_negative_int("initial_epoch", initial_epoch)
    if initial_epoch > epochs:
        raise ValueError(
            f"initial_epoch should not be larger than epochs, but got initial_epoch={initial_epoch} and "
            f"epochs={epochs}. `epochs` is the index of the last epoch (training runs epochs "
            "initial_epoch+1 to epochs), not the number of epochs to run."
        )
    _positive_int_or_none("steps_per_epoch", steps_per_epoch)
    _positive_int_or_none("validation_steps", validation_steps)
    _positive_int_or_none("validation_batch_size", validation_batch_size)
    if isinstance(validation_split, (bool, np.bool_)) or not isinstance(
            validation_split, (numbers.Real, np.floating, np.integer)) or not 0 <= float(validation_split) < 1:
        raise ValueError(
            "validation_split should be a float in [0, 1) (the fraction of the training data held out for "
            f"validation), but got validation_split={validation_split!r}."
        )
    _check_validation_freq(validation_freq)
    _check_verbose(verbose)
    _check_callbacks(callbacks)
    _check_shuffle(shuffle)
    check_class_weight(class_weight)
    if validation_data is not None and isinstance(validation_data, (list, tuple)) and \
            not 1 <= len(validation_data) <= 3:
        raise ValueError(
            "validation_data should be a tuple `(x_val, y_val)` or `(x_val, y_val, val_sample_weight)`, or a "
            f"dataset, but got a {type(validation_data).__name__} of length {len(validation_data)}."
        )


def validate_evaluate_arguments(batch_size=None, verbose="auto", steps=None, callbacks=None):
    """The checks of `evaluate()`'s arguments (the defaults pass without a call: `predict` runs this per call)."""
    if batch_size is not None:
        _positive_int_or_none("batch_size", batch_size, default=32)
    if steps is not None:
        _positive_int_or_none("steps", steps)
    if type(verbose) is not int or verbose != 0:
        _check_verbose(verbose)
    if callbacks is not None:
        _check_callbacks(callbacks)


validate_predict_arguments = validate_evaluate_arguments  # the same checks


# --- data -------------------------------------------------------------------------------------------------------
def _unsupported_kind(leaf):
    """`None` for numeric data, else what it holds: 'strings', 'Python objects', 'complex numbers' or a dtype."""
    if isinstance(leaf, torch.Tensor):
        return "complex numbers" if leaf.is_complex() else None
    if isinstance(leaf, (str, bytes)):
        return "strings"
    if isinstance(leaf, np.ndarray):
        kind = leaf.dtype.kind
        if kind in "biuf":
            return None
        if kind in "US":
            return "strings"
        if kind == "O":
            from torchkeras.layers.preprocessing.string_inputs import is_string_input

            if is_string_input(leaf):
                return "strings"
            first = leaf.reshape(-1)[0] if leaf.size else None
            return f"Python objects (dtype object, e.g. a {type(first).__name__})"
        if kind == "c":
            return "complex numbers"
        return f"values of dtype {leaf.dtype}"
    return None


def _describe(leaf):
    dtype = getattr(leaf, "dtype", type(leaf).__name__)
    return f"{type(leaf).__name__} of shape {tuple(getattr(leaf, 'shape', ()))} and dtype {dtype}"


def _names(argument):
    if argument == "x":
        return "`x`", "`y`", "`sample_weight`"
    return (f"the inputs in `{argument}`", f"the targets in `{argument}`", f"the sample weights in `{argument}`")


def _default_step_path(model):
    """Whether the model trains and evaluates through the default hooks (which feed `y` to the compiled loss
    and metrics); an overridden hook may read the data its own way."""
    cls = type(model)
    known = _DEFAULT_STEP_PATH.get(cls)
    if known is None:
        from torchkeras.trainers.trainer import Trainer

        known = all(getattr(cls, name, None) is getattr(Trainer, name)
                    for name in ("train_step", "test_step", "compute_loss", "compute_metrics"))
        _DEFAULT_STEP_PATH[cls] = known
    return known


_DEFAULT_STEP_PATH = {}


def _input_pairs(model, x, inputs_name):
    """`[(leaf, input KerasTensor)]` for a model that declares its inputs; refuses more arrays than inputs."""
    inputs = list(model.inputs)
    struct = getattr(model, "_inputs_struct", None)
    if isinstance(x, dict):
        if isinstance(struct, dict):
            return [(x[k], t) for k, t in struct.items() if k in x]
        return [(x[t.name], t) for t in inputs if t.name in x]
    flat = tree.flatten(x)
    if len(flat) > len(inputs):
        shapes = [tuple(getattr(v, "shape", ())) for v in flat]
        raise ValueError(
            f'Layer "{model.name}" expects {len(inputs)} input(s), but it received {len(flat)} input tensors. '
            f"Inputs received: {shapes}. Pass one array per model input {[t.name for t in inputs]} in "
            f"{inputs_name}" + (" (a single array, not a list of arrays)." if len(inputs) == 1 else ".")
        )
    return list(zip(flat, inputs))


def _check_input_dtypes(model, x, inputs_name):
    for leaf, spec in _input_pairs(model, x, inputs_name):
        kind = _unsupported_kind(leaf)
        if kind is None:
            continue
        expected = str(getattr(spec, "dtype", "float32"))
        if expected == "string" and kind == "strings":
            continue
        if kind == "complex numbers" and "complex" in expected:
            continue
        what = "Encode them as numbers first (e.g. with a `StringLookup` or `TextVectorization` layer, or " \
               "`x.astype('float32')` for numbers written as text)" if kind == "strings" else \
            "Convert the data to a numeric array first (e.g. `np.asarray(x, dtype='float32')`; pad ragged " \
            "sequences with `keras.utils.pad_sequences`)" if kind.startswith("Python objects") else \
            f"Convert the data to {expected} first"
        raise TypeError(
            f"Input '{spec.name}' of model '{model.name}' expects {expected} data of shape {tuple(spec.shape)}, "
            f"but received {kind} in {inputs_name}: a {_describe(leaf)}. {what}."
        )


def _check_numeric(value, what):
    for leaf in tree.flatten(value):
        kind = _unsupported_kind(leaf)
        if kind is not None:
            raise TypeError(
                f"{what[0].upper() + what[1:]} must be numeric, but received {kind}: a {_describe(leaf)}. "
                + ("Encode labels as integer class indices first (e.g. with `keras.layers.StringLookup`)."
                   if kind == "strings" else "Convert it to a numeric array first.")
            )


def check_batch(model, batch, argument="x", mode="train"):
    """Check one batch of a data source (its first) against the model, before any step runs.

    `mode` is "train", "test" or "predict". Raises ValueError/TypeError that name the argument and the
    model's input; the model and its optimizer are untouched.
    """
    x, y, sample_weight = data_adapter_utils.unpack_x_y_sample_weight(batch)
    memo = _signature(model, x, argument) if mode == "predict" else None
    if memo is not None and model.__dict__.get("_checked_predict_batch") == memo:
        return  # the same kind of inputs as the last call of predict, already checked
    inputs_name, targets_name, weights_name = _names(argument)
    for leaf in tree.flatten((x, y, sample_weight)):
        shape = getattr(leaf, "shape", None)
        if shape is not None and len(shape) and shape[0] == 0:
            raise ValueError(
                f"`{argument}` yielded a batch with 0 samples ({_describe(leaf)}): there is nothing to train on, "
                "evaluate or predict. Every batch needs at least one sample."
            )
    if model._declares_inputs:
        _check_input_dtypes(model, x, inputs_name)
    if mode != "predict" and _default_step_path(model):
        _check_numeric(y, targets_name)
        _check_numeric(sample_weight, weights_name)
        if y is None and model._compile_loss is not None:
            raise ValueError(
                f"The model was compiled with a loss, but `{argument}` has no targets. Pass `y` (or yield `(x, y)` "
                "batches; `validation_data=(x_val, y_val)`), or compile without a loss and use `add_loss()`."
            )
    if model.built and model._declares_inputs:
        try:
            model._check_data_inputs(x)
        except ValueError as e:
            if argument == "x":
                raise
            raise ValueError(f"Invalid `{argument}`: {e}") from e
    if memo is not None:
        model.__dict__["_checked_predict_batch"] = memo


def _signature(model, x, argument):
    """What the checks of a predict batch depend on: the model's structure and each input's type, dtype and
    non-batch shape (None when an input has no shape)."""
    leaves = [x] if hasattr(x, "shape") else tree.flatten(x)
    parts = []
    for leaf in leaves:
        shape = getattr(leaf, "shape", None)
        if shape is None or not len(shape):
            return None
        parts.append((type(leaf), tuple(shape[1:]), leaf.dtype))
    return (structure_version(), model.built, argument, tuple(parts))


class _Shape:
    """Stands for the predictions in a label check, which reads only their shape."""

    __slots__ = ("shape",)

    def __init__(self, shape):
        self.shape = tuple(shape)


def _label_checks(model):
    """`[(output index, check, kwargs, loss or metric)]` of the compiled losses and metrics that check class
    labels (cached per compile and model structure)."""
    compile_loss, compile_metrics = model._compile_loss, model._compile_metrics
    key = (structure_version(), id(compile_loss), getattr(compile_loss, "built", None), id(compile_metrics),
           getattr(compile_metrics, "built", None))
    cached = model.__dict__.get("_label_checks_cache")
    if cached is not None and cached[0] == key:
        return cached[1]
    found = _find_label_checks(model)
    model.__dict__["_label_checks_cache"] = (key, found)
    return found


def _find_label_checks(model):
    from torchkeras.losses.label_checks import label_check_of

    found = []
    compile_loss = model._compile_loss
    if compile_loss is not None and compile_loss.built:
        for entry in compile_loss._entries:
            check = label_check_of(entry[1])
            if check is not None:
                found.append((entry[0],) + check + (entry[1],))
    compile_metrics = model._compile_metrics
    if compile_metrics is not None and compile_metrics.built:
        for groups in (compile_metrics._flat, compile_metrics._flat_weighted):
            for index, group in enumerate(groups):
                for metric in (group[0] if group else ()):
                    check = label_check_of(metric)
                    if check is not None:
                        found.append((index,) + check + (metric,))
    return found


def check_targets(model, y, y_pred_spec, argument="x", host_only=False):
    """Check the class labels in `y` (all in-memory targets, or one batch) for the model's sparse categorical
    losses and metrics. `y_pred_spec`: the structure of the outputs' specs (only their shapes are read), or a
    function that computes it (called only when a loss or metric checks labels).

    Host arrays are checked on the host; device tensors with one sync (skipped with `host_only`).
    """
    if y is None:
        return
    checks = _label_checks(model)
    if not checks:
        return
    if callable(y_pred_spec) and not hasattr(y_pred_spec, "shape"):
        cached = model.__dict__.get("_label_spec_cache")  # declared outputs: the same for any data
        if cached is not None and cached[0] == structure_version():
            y_pred_spec = cached[1]
        else:
            try:
                y_pred_spec = y_pred_spec()
            except Exception:  # noqa: BLE001 - no spec: fall back on the shapes the checks saw
                y_pred_spec = None
            if y_pred_spec is not None and model._declares_inputs:
                model.__dict__["_label_spec_cache"] = (structure_version(), y_pred_spec)
    if y_pred_spec is None:
        # The output shapes the losses and metrics saw on their first batch (one output only).
        shapes = {getattr(owner, "_checked_pred_shape", None) for _, _, _, owner in checks} - {None}
        if len(shapes) != 1 or any(index != 0 for index, _, _, _ in checks):
            return
        from torchkeras.backend.keras_tensor import KerasTensor

        shape = next(iter(shapes))
        y_pred_spec = KerasTensor((None,) + tuple(shape[1:]))
    from torchkeras.trainers import compile_utils

    output_names = model._compile_loss.output_names if model._compile_loss is not None else None
    y_true_flat, y_pred_flat, _, _ = compile_utils.flatten_outputs(y, y_pred_spec, None, output_names)
    # A label the loss of an output ignores (padding) is valid for that output's metrics too.
    ignored = {index: kwargs["ignore_class"] for index, _, kwargs, _ in checks
               if kwargs.get("ignore_class") is not None}
    for index, check, kwargs, owner in checks:
        if index in ignored and "ignore_class" not in kwargs:
            kwargs = dict(kwargs, ignore_class=ignored[index])
        if index >= len(y_true_flat) or index >= len(y_pred_flat) or y_true_flat[index] is None:
            continue
        labels = y_true_flat[index]
        if isinstance(labels, torch.Tensor):
            if host_only and labels.device.type != "cpu":
                continue
        else:
            if hasattr(labels, "to_numpy"):  # pandas
                labels = labels.to_numpy()
            labels = np.asarray(labels)
            if _unsupported_kind(labels) is not None:
                continue  # reported by the dtype checks
        spec = y_pred_flat[index]
        if not hasattr(spec, "shape"):
            continue
        n = int(labels.shape[0]) if len(labels.shape) else 1
        shape = [(n if i == 0 else 1) if d is None else int(d) for i, d in enumerate(spec.shape)]
        try:
            check(labels, _Shape(shape), **kwargs)
        except (IndexError, ValueError, TypeError) as e:
            from torchkeras.losses.loss import Loss

            kind = "loss" if isinstance(owner, Loss) else "metric"
            output = f" of the output '{output_names[index]}'" if output_names and len(y_pred_flat) > 1 else ""
            message = f"{e} (Checked for the {kind} '{getattr(owner, 'name', type(owner).__name__)}'{output}.)"
            raise type(e)(message if argument == "x" else f"Invalid `{argument}`: {message}") from None
