"""Batch logs that are computed only when someone reads them.

Metric results live on the device. Turning them into Python floats forces a host-device sync, so the
training loop hands callbacks a `LazyLogs` and only a callback that actually reads batch logs pays for it.
"""


class LazyLogs:
    """The logs a step returned (a dict, possibly nested, of device tensors), converted when first read."""

    __slots__ = ("_logs", "_value")

    def __init__(self, logs):
        self._logs = logs
        self._value = None

    def materialize(self):
        """The logs as a fresh flat dict of Python floats, sorted by key (computed once)."""
        if self._value is None:
            self._value = pythonify_logs(self._logs)
        return dict(self._value)

    def raw(self):
        """The logs as the step returned them, values possibly still device tensors (no sync)."""
        return self._logs


def pythonify_logs(logs):
    """Keras's log normalization: nested dicts flattened into one dict sorted by key, tensors and NumPy
    scalars turned into Python floats (with at most one host-device sync per device); values that are not
    numbers are kept as they are."""
    if isinstance(logs, LazyLogs):
        return logs.materialize()
    flat = {}
    _flatten_into(logs or {}, flat)
    return to_floats(flat)


def _flatten_into(logs, out):
    for key in sorted(logs):
        value = logs[key]
        if isinstance(value, dict):
            _flatten_into(value, out)
        else:
            out[key] = value


def to_floats(logs):
    """Convert a dict of scalars/0-dim tensors to Python floats with at most one sync per device."""
    import torch

    if not logs:
        return {}
    tensors = {k: v for k, v in logs.items() if isinstance(v, torch.Tensor) and v.numel() == 1}
    out = {}
    if tensors:
        by_device = {}
        for k, v in tensors.items():
            by_device.setdefault(v.device, []).append(k)
        for device, keys in by_device.items():
            values = torch.stack([tensors[k].detach().reshape(()).float() for k in keys]).tolist()
            out.update(zip(keys, values))
    for k, v in logs.items():
        if k in out:
            continue
        try:
            out[k] = float(v)
        except (TypeError, ValueError):
            out[k] = v
    return {k: out[k] for k in logs}
