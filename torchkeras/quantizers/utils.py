"""Which layers `Model.quantize(..., filters=...)` quantizes."""
import re


def should_quantize_layer(layer, filters):
    """True if `filters` (None, a regex, a list of regexes matched against `layer.name`, or a callable taking
    the layer) selects `layer`."""
    if filters is None:
        return True
    if isinstance(filters, str):
        return bool(re.search(filters, layer.name))
    if isinstance(filters, (list, tuple)):
        return any(re.search(pattern, layer.name) for pattern in filters)
    if callable(filters):
        return filters(layer)
    return True
