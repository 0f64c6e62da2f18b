"""Sharded Keras 3 weights: `save_weights("x.weights.json", max_shard_size=GB)`.

Shards `x_00000.weights.h5`, `x_00001.weights.h5`, ... each hold part of the normal `.weights.h5` tree; the
index `x.weights.json` is `{"metadata": {"total_size": bytes}, "weight_map": {"/layers/dense/vars":
"x_00000.weights.h5" or [files], ...}}`. Here a `vars` group is never split across shards (a group larger
than `max_shard_size` gets a shard of its own); files from Keras that do split groups are read too.
"""
import json
import os

from torchkeras.saving import atomic
from torchkeras.saving import h5_utils
from torchkeras.saving import limits
from torchkeras.saving import saveable_walk
from torchkeras.saving import stores
from torchkeras.saving import weights_h5


def _base_name(filepath):
    name = os.path.basename(filepath)
    for suffix in (".weights.json", ".json"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def save_weights(model, filepath, max_shard_size=5.0):
    h5py = h5_utils.h5py_module()
    limit = float(max_shard_size) * 1024**3
    directory = os.path.dirname(os.path.abspath(filepath))
    base = _base_name(filepath)
    shards = []  # [[(object path, name, store)]]
    sizes = []
    total = [0]

    def collect(path, name, store):
        size = sum(a.nbytes for a in store.values())
        total[0] += size
        if not shards or (sizes[-1] + size > limit and sizes[-1] > 0):
            shards.append([])
            sizes.append(0)
        shards[-1].append((path, name, store))
        sizes[-1] += size

    saveable_walk.save_state(model, collect)
    weight_map = {}
    for index, entries in enumerate(shards):
        filename = f"{base}_{index:05}.weights.h5"
        with atomic.atomic_write(os.path.join(directory, filename)) as tmp:
            with h5py.File(tmp, mode="w") as f:
                for path, name, store in entries:
                    weights_h5.write_store(f, path, name, store)
        for path, _, _ in entries:
            weight_map["/" + weights_h5.vars_path(path)] = filename
    index_json = json.dumps({"metadata": {"total_size": total[0]}, "weight_map": weight_map}, indent=4)
    with atomic.atomic_write(filepath) as tmp:
        with open(tmp, "w") as f:
            f.write(index_json)


class ShardedSource:
    """Reads `vars` groups through the index's weight map, opening shards as needed."""

    def __init__(self, filepath):
        self.directory = os.path.dirname(os.path.abspath(filepath))
        self.filepath = filepath
        try:
            with open(filepath, "rb") as f:
                text = f.read(limits.MAX_CONFIG_BYTES + 1)
        except FileNotFoundError:
            raise FileNotFoundError(f"No file or directory found at {filepath}") from None
        self.index = limits.parse_json(text, f"The sharded weights index at {filepath}")
        weight_map = self.index.get("weight_map") if isinstance(self.index, dict) else None
        if not isinstance(weight_map, dict):
            raise ValueError(f"The sharded weights index at {filepath} has no `weight_map` dict: it is not a "
                             "Keras sharded weights index.")
        for key, value in weight_map.items():
            names = value if isinstance(value, list) else [value]
            for name in names:
                if not isinstance(name, str) or os.path.basename(name) != name or name in ("", ".", ".."):
                    raise ValueError(
                        f"Not allowed: the sharded weights index at {filepath} maps '{key}' to {name!r}, which is "
                        "not a file name beside the index (shards must sit in the index's directory).")
        self.files = {}

    def _file(self, filename):
        if filename not in self.files:
            path = os.path.join(self.directory, filename)
            self.files[filename] = h5_utils.open_for_reading(path)
        return self.files[filename]

    def _filenames(self, path):
        weight_map = self.index["weight_map"]
        value = weight_map.get("/" + weights_h5.vars_path(path))
        if value is None and path:
            value = weight_map.get("/" + path)
        if value is None:
            return []
        return value if isinstance(value, list) else [value]

    def has(self, path):
        return bool(self._filenames(path))

    def read_vars(self, path):
        filenames = self._filenames(path)
        if not filenames:
            return None
        merged = {}
        for filename in filenames:
            group = weights_h5.lookup(self._file(filename), weights_h5.vars_path(path))
            if group is not None:
                merged.update(weights_h5.read_vars(group, where=f" at '{weights_h5.vars_path(path)}' in {filename}"))
        return {k: merged[k] for k in stores.sorted_keys(list(merged))}

    def close(self):
        for f in self.files.values():
            f.close()
        self.files = {}


def load_weights(model, filepath, skip_mismatch=False):
    source = ShardedSource(filepath)
    try:
        weights_h5.load_model(source, model, skip_mismatch=skip_mismatch)
    finally:
        source.close()

