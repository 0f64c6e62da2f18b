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
from torchkeras.saving import saveable_walk
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
    shards = []  # [[(vars_path, name, {key: array})]]
    sizes = []
    total = 0
    for path, obj in saveable_walk.walk(model):
        for sub, variables in saveable_walk.own_variables(obj).items():
            items = variables.items() if isinstance(variables, dict) else \
                ((str(i), v) for i, v in enumerate(variables))
            arrays = {k: weights_h5._to_numpy(v) for k, v in items}
            size = sum(a.nbytes for a in arrays.values())
            total += size
            if not shards or (sizes[-1] + size > limit and sizes[-1] > 0):
                shards.append([])
                sizes.append(0)
            shards[-1].append((weights_h5._vars_path(path, sub), getattr(obj, "name", None) if not sub else None,
                               arrays))
            sizes[-1] += size
    weight_map = {}
    for index, entries in enumerate(shards):
        filename = f"{base}_{index:05}.weights.h5"
        with atomic.atomic_write(os.path.join(directory, filename)) as tmp:
            with h5py.File(tmp, mode="w") as f:
                for vars_path, name, arrays in entries:
                    group = f.require_group(vars_path)
                    if isinstance(name, str):
                        group.attrs["name"] = name
                    for key, value in arrays.items():
                        h5_utils.write_dataset(group, key, value)
        for vars_path, _, _ in entries:
            weight_map["/" + vars_path] = filename
    index_json = json.dumps({"metadata": {"total_size": total}, "weight_map": weight_map}, indent=4)
    with atomic.atomic_write(filepath) as tmp:
        with open(tmp, "w") as f:
            f.write(index_json)


class ShardedSource:
    """Reads `vars` groups through the index's weight map, opening shards as needed."""

    def __init__(self, filepath):
        self.directory = os.path.dirname(os.path.abspath(filepath))
        try:
            with open(filepath) as f:
                self.index = json.load(f)
        except FileNotFoundError:
            raise FileNotFoundError(f"No file or directory found at {filepath}") from None
        except ValueError as e:
            raise ValueError(f"The sharded weights index at {filepath} is not valid JSON: {e}") from None
        if "weight_map" not in self.index:
            raise ValueError(f"The sharded weights index at {filepath} has no `weight_map`.")
        self.files = {}

    def _file(self, filename):
        if filename not in self.files:
            path = os.path.join(self.directory, filename)
            self.files[filename] = h5_utils.open_for_reading(path)
        return self.files[filename]

    def _filenames(self, vars_path):
        value = self.index["weight_map"].get("/" + vars_path)
        if value is None:
            return []
        return value if isinstance(value, list) else [value]

    def has(self, vars_path):
        return bool(self._filenames(vars_path))

    def read_vars(self, vars_path):
        merged = {}
        for filename in self._filenames(vars_path):
            group = weights_h5._lookup(self._file(filename), vars_path)
            if group is not None:
                merged.update(weights_h5._read_vars(group, where=f" at '{vars_path}' in {filename}"))
        if all(k.isdigit() for k in merged):
            merged = {k: merged[k] for k in sorted(merged, key=int)}
        return merged

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

