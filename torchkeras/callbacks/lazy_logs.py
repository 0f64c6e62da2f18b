"""Batch logs that are computed only when someone reads them.

Metric results live on the device. Turning them into Python floats forces a host-device sync, so the
training loop hands callbacks a `LazyLogs` and only a callback that actually reads batch logs pays for it.
"""


class LazyLogs:
    __slots__ = ("_fn", "_value")

    def __init__(self, fn):
        self._fn = fn
        self._value = None

    def materialize(self):
        """The logs as a fresh dict of Python floats (computed once)."""
        if self._value is None:
            values = to_floats(self._fn())
            self._value = {k: values[k] for k in sorted(values)}  # Keras sorts log keys
        return dict(self._value)

    def raw(self):
        """The logs as computed, values possibly still device tensors (no sync)."""
        return self._fn()


def to_floats(logs):
    """Convert a dict of scalars/0-dim tensors to Python floats with at most one sync per device."""
    import torch

    if not logs:
        return {}
    tensors = {k: v for k, v in logs.items() if isinstance(v, torch.Tensor)}
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
