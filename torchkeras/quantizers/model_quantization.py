"""`Model.quantize`: quantize each leaf layer the filters select (layers without `quantize` are skipped
with a warning, as Keras does)."""
import warnings
from collections.abc import Callable

from torchkeras.quantizers.utils import should_quantize_layer


def quantize_model(model, mode, config, filters, **kwargs):
    type_check = kwargs.pop("type_check", True)
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments passed to {type(model).__name__}: {kwargs}")
    if filters is not None and not isinstance(filters, (str, Callable, list, tuple)):
        raise ValueError("The `filters` argument must be a regex string, a list of regex strings, or a callable. "
                         f"Received: {type(filters)}")
    if mode in ("gptq", "awq"):
        raise NotImplementedError(
            f"{mode.upper()} quantization is not supported by torchkeras yet (it needs a calibration run over a "
            "dataset). Use 'int8', 'int4' or 'float8'."
        )
    modified = False
    for layer in model._flatten_layers():
        if not should_quantize_layer(layer, filters):
            continue
        if len(list(layer._flatten_layers())) != 1:
            continue
        try:
            layer.quantize(mode, type_check=type_check, config=config)
            modified = True
        except NotImplementedError as e:
            warnings.warn(str(e))
        except AttributeError:
            pass
    if modified:
        model.train_function = None
        model.test_function = None
        model.predict_function = None
