"""`keras.distribution.LayoutMap`: variable paths (regular expressions) -> `TensorLayout`."""
import collections
import re

from torchkeras.api_export import keras_export
from torchkeras.distribution.mesh import TensorLayout


@keras_export("keras.distribution.LayoutMap")
class LayoutMap(collections.abc.MutableMapping):
    """A dict-like object that maps string to `TensorLayout` instances.

    Keys are matched against variable paths (`variable.path`, e.g. `"sequential/dense/kernel"`): an exact key
    first, else the keys that match the whole path as a regular expression (`re.fullmatch`); more than one
    such match is an error, none gives `None`. Values may be given as tuples of axis names (`(None, "model")`),
    converted to `TensorLayout`s on this map's mesh.

    Args:
        device_mesh: `keras.distribution.DeviceMesh` instance.
    """

    def __init__(self, device_mesh):
        self._layout_map = collections.OrderedDict()
        self._device_mesh = device_mesh

    def __getitem__(self, key):
        if key in self._layout_map:
            return self._layout_map[key]
        matching_keys = [pattern for pattern in self._layout_map if re.fullmatch(pattern, key)]
        if len(matching_keys) > 1:
            raise ValueError(
                f"Path '{key}' matches multiple layout specification keys: {matching_keys}. Please make sure each "
                "tensor/variable path only matches at most one layout specification key in the LayoutMap."
            )
        if len(matching_keys) == 1:
            return self._layout_map[matching_keys[0]]
        return None

    def __setitem__(self, key, layout):
        if key in self._layout_map:
            raise ValueError(
                f"{key} already exist in the LayoutMap with value {self._layout_map[key]}. Please make sure to "
                "not use duplicated keys."
            )
        if isinstance(layout, tuple):
            layout = TensorLayout(axes=layout, device_mesh=None)
        if not isinstance(layout, TensorLayout):
            raise ValueError(f"{layout} should be a TensorLayout type, got {type(layout)}")
        if layout.device_mesh is None and self._device_mesh is not None:
            layout.device_mesh = self._device_mesh
        self._layout_map[key] = layout

    def __delitem__(self, key):
        return self._layout_map.pop(key)

    def __len__(self):
        return len(self._layout_map)

    def __iter__(self):
        return iter(self._layout_map)

    @property
    def device_mesh(self):
        return self._device_mesh


LayoutMap.get.__doc__ = LayoutMap.__getitem__.__doc__
