"""`keras.saving.KerasFileEditor`: inspect, compare and edit the weights of a `.keras` or `.weights.h5`
file, and write them back as a `.weights.h5` file.

The weights are read into a nested dict as Keras 3 reads them: one entry per HDF5 group, the arrays of an
object's `vars` group directly under the object's name, objects without weights left out. Files are read
with the same safety rules as loading (no external or soft links, no virtual or external datasets, no
dataset over 4 GiB).
"""
import collections
import io
import json
import math
import os
import zipfile

import numpy as np

from torchkeras.api_export import keras_export
from torchkeras.saving import h5_utils
from torchkeras.utils import io_utils

_CONFIG_FILENAME = "config.json"
_METADATA_FILENAME = "metadata.json"
_WEIGHTS_FILENAME = "model.weights.h5"
_MAX_BYTES = 1 << 32


class _WeightSpec:
    """The shape and dtype of a weight of a reference model."""

    __slots__ = ("shape", "dtype")

    def __init__(self, shape, dtype):
        self.shape = tuple(int(d) for d in shape)
        self.dtype = dtype


@keras_export("keras.saving.KerasFileEditor")
class KerasFileEditor:
    """Utility to inspect, edit, and resave Keras weights files.

    Useful to adapt a saved weights file after changing a model's architecture.

    Args:
        filepath: the path of a local `.keras` or `.weights.h5` file.

    Example:

    ```python
    editor = KerasFileEditor("my_model.weights.h5")
    editor.summary()  # the current contents
    editor.delete_object("layers/dense_2")  # drop the weights of a layer
    editor.add_object("layers/einsum_dense", weights={"0": ..., "1": ...})  # add a new layer's weights
    editor.save("edited_model.weights.h5")
    ```
    """

    def __init__(self, filepath):
        filepath = str(filepath)
        self.filepath = filepath
        self.metadata = None
        self.config = None
        self.model = None
        h5py = h5_utils.h5py_module()
        if filepath.endswith(".keras"):
            with zipfile.ZipFile(filepath, "r") as archive:
                self.config = json.loads(archive.read(_CONFIG_FILENAME))
                self.metadata = json.loads(archive.read(_METADATA_FILENAME))
                raw = io.BytesIO(archive.read(_WEIGHTS_FILENAME))
            with h5py.File(raw, mode="r") as h5_file:
                self.weights_dict, self.object_metadata = self._extract_weights_from_store(h5_file)
        elif filepath.endswith(".weights.h5"):
            with h5_utils.open_for_reading(filepath) as h5_file:
                self.weights_dict, self.object_metadata = self._extract_weights_from_store(h5_file)
        else:
            raise ValueError(
                f"Invalid filename: expected a `.keras` `.weights.h5` extension. Received: filepath={filepath}"
            )
        _print(self._generate_filepath_info())
        if self.metadata is not None:
            _print(self._generate_metadata_info())

    # --- inspecting ------------------------------------------------------------------------------------
    def summary(self):
        """Print the weight structure of the opened file."""
        _print("Weights structure")
        self._print_weights_structure(self.weights_dict, prefix=" " * 2)

    def compare(self, reference_model):
        """List every mismatch between the opened file and `reference_model` (missing objects or weights,
        shape differences). Returns `{"status": "success" | "error", "error_count": n, "match_count": m}`."""
        _print("Running comparison")
        ref_spec = weight_spec_of(reference_model)
        checked_paths = set()
        error_count, match_count = self._compare(self.weights_dict, ref_spec, "", "saved file", "reference model",
                                                 checked_paths)
        extra_errors, _ = self._compare(ref_spec, self.weights_dict, "", "reference model", "saved file",
                                        checked_paths)
        error_count += extra_errors
        _print("─────────────────────")
        if error_count == 0:
            status = "success"
            _print("Comparison successful: saved file is compatible with the reference model")
            _print(f"    Found {match_count} matching weight{'' if match_count == 1 else 's'}")
        else:
            status = "error"
            _print(f"Found {error_count} error{'' if error_count == 1 else 's'}: saved file is not compatible with "
                   "the reference model")
        return {"status": status, "error_count": error_count, "match_count": match_count}

    def _compare(self, target, ref_spec, base_path, target_name, ref_name, checked_paths, error_count=0,
                 match_count=0):
        # Counted as Keras 3.15 counts: a sub-object's comparison starts from the running totals, which are then
        # added to them again (so `match_count` is Keras's number, not the number of distinct weights).
        for ref_key, ref_val in ref_spec.items():
            inner_path = f"{base_path}/{ref_key}"
            if inner_path in checked_paths:
                continue
            if ref_key not in target:
                error_count += 1
                checked_paths.add(inner_path)
                if isinstance(ref_val, dict):
                    _print(f"...Object {inner_path} present in {ref_name}, missing from {target_name}")
                    _print(f"    In {ref_name}, {inner_path} contains the following keys: {list(ref_val.keys())}")
                else:
                    _print(f"...Weight {inner_path} present in {ref_name}, missing from {target_name}")
            elif isinstance(ref_val, dict):
                errors, matches = self._compare(target[ref_key], ref_val, inner_path, target_name, ref_name,
                                                checked_paths, error_count, match_count)
                error_count += errors
                match_count += matches
            elif tuple(target[ref_key].shape) != tuple(ref_val.shape):
                error_count += 1
                checked_paths.add(inner_path)
                _print(f"...Weight shape mismatch for {inner_path}\n    In {ref_name}: shape={tuple(ref_val.shape)}\n"
                       f"    In {target_name}: shape={tuple(target[ref_key].shape)}")
            else:
                match_count += 1
        return error_count, match_count

    # --- editing ---------------------------------------------------------------------------------------
    def _edit_object(self, edit_fn, source_name, target_name=None):
        if target_name is not None and "/" in target_name:
            raise ValueError(
                f"Argument `target_name` should be a leaf name, not a full path name. Received: "
                f"target_name='{target_name}'"
            )
        if "/" in source_name:
            elements = source_name.split("/")
            weights_dict = self.weights_dict
            for element in elements[:-1]:
                if element not in weights_dict:
                    raise ValueError(f"Path '{source_name}' not found in model.")
                weights_dict = weights_dict[element]
            if elements[-1] not in weights_dict:
                raise ValueError(f"Path '{source_name}' not found in model.")
            edit_fn(weights_dict, source_name=elements[-1], target_name=target_name)
            return
        # A bare name must name exactly one object. (Keras 3.15's count adds running totals twice and refuses
        # some unique names as "more than once"; this counts each occurrence once.)
        occurrences = _count_occurrences(self.weights_dict, source_name)
        if occurrences > 1:
            raise ValueError(f"Name '{source_name}' occurs more than once in the model; try passing a complete path")
        if occurrences == 0:
            raise ValueError(
                f"Source name '{source_name}' does not appear in the model. Use `editor.weights_summary()` to list "
                "all objects."
            )

        def edit(d):
            for key in list(d):
                if isinstance(d[key], dict):
                    edit(d[key])
            if source_name in d:
                edit_fn(d, source_name=source_name, target_name=target_name)

        edit(self.weights_dict)

    def rename_object(self, object_name, new_name):
        """Rename an object (e.g. a layer) given its name (`"dense_2"`) or path (`"layers/dense_2"`)."""

        def rename_fn(weights_dict, source_name, target_name):
            weights_dict[target_name] = weights_dict.pop(source_name)

        self._edit_object(rename_fn, object_name, new_name)

    def delete_object(self, object_name):
        """Remove an object (e.g. a layer) given its name (`"dense_2"`) or path (`"layers/dense_2"`)."""

        def delete_fn(weights_dict, source_name, target_name=None):
            weights_dict.pop(source_name)

        self._edit_object(delete_fn, object_name)

    def add_object(self, object_path, weights):
        """Add a new object at `object_path` (e.g. `"layers/dense_2"`) with `weights`, a dict of weight names
        to arrays (e.g. `{"0": kernel, "1": bias}`)."""
        _check_weights_dict(weights)
        if "/" in object_path:
            elements = object_path.split("/")
            partial_path = "/".join(elements[:-1])
            weights_dict = self.weights_dict
            for element in elements[:-1]:
                if element not in weights_dict:
                    raise ValueError(f"Path '{partial_path}' not found in model.")
                weights_dict = weights_dict[element]
            weights_dict[elements[-1]] = weights
        else:
            self.weights_dict[object_path] = weights

    def delete_weight(self, object_name, weight_name):
        """Remove the weight `weight_name` (e.g. `"0"`) from an object given by name or path."""

        def delete_weight_fn(weights_dict, source_name, target_name=None):
            if weight_name not in weights_dict[source_name]:
                raise ValueError(
                    f"Weight {weight_name} not found in object {object_name}. Weights found: "
                    f"{list(weights_dict[source_name].keys())}"
                )
            weights_dict[source_name].pop(weight_name)

        self._edit_object(delete_weight_fn, object_name)

    def add_weights(self, object_name, weights):
        """Add weights (a dict of weight names to arrays) to an existing object given by name or path."""
        _check_weights_dict(weights)

        def add_weight_fn(weights_dict, source_name, target_name=None):
            weights_dict[source_name].update(weights)

        self._edit_object(add_weight_fn, object_name)

    # --- writing ---------------------------------------------------------------------------------------
    def save(self, filepath):
        """Write the edited weights to `filepath`, a `.weights.h5` file."""
        filepath = str(filepath)
        if not filepath.endswith(".weights.h5"):
            raise ValueError(f"Invalid `filepath` argument: expected a `.weights.h5` extension. Received: "
                             f"filepath={filepath}")
        h5py = h5_utils.h5py_module()
        from torchkeras.saving import atomic

        with atomic.atomic_write(filepath) as tmp, h5py.File(tmp, mode="w") as h5_file:
            _write(h5_file, self.weights_dict, "")

    def resave_weights(self, filepath):
        self.save(filepath)

    # --- reading ---------------------------------------------------------------------------------------
    def _extract_weights_from_store(self, data, metadata=None, inner_path=""):
        h5py = h5_utils.h5py_module()
        metadata = metadata or {}
        object_metadata = {k: v for k, v in data.attrs.items()}
        if object_metadata:
            metadata[inner_path] = object_metadata
        result = collections.OrderedDict()
        for key in data.keys():
            current_path = f"{inner_path}/{key}"
            link = data.get(key, default=None, getclass=True, getlink=True)
            if link in (h5py.ExternalLink, h5py.SoftLink):
                raise ValueError(f"Not allowed: H5 file with {link.__name__}")
            value = data[key]
            if isinstance(value, h5py.Group):
                if len(value) == 0:
                    continue
                if "vars" in value.keys():
                    vars_group = value["vars"]
                    if not isinstance(vars_group, h5py.Group) or len(vars_group) == 0:
                        continue
                    result[key], metadata = self._extract_weights_from_store(vars_group, metadata, current_path)
                else:
                    result[key], metadata = self._extract_weights_from_store(value, metadata, current_path)
                continue
            if not isinstance(value, h5py.Dataset):
                continue
            if value.external:
                raise ValueError(f"Not allowed: H5 file Dataset with external links: {value.external}")
            if value.is_virtual:
                raise ValueError(f"Not allowed: H5 file with virtual Dataset at {current_path}")
            shape = value.shape or ()
            if any(dim < 0 for dim in shape):
                raise ValueError("Malformed HDF5 dataset shape encountered in .keras file; negative dimension "
                                 "detected.")
            if len(shape) > 64:
                raise ValueError("Malformed HDF5 dataset shape encountered in .keras file; tensor rank exceeds "
                                 "safety limit.")
            size_bytes = math.prod(shape) * value.dtype.itemsize
            if size_bytes > _MAX_BYTES:
                raise ValueError(f"HDF5 dataset too large to load safely ({size_bytes} bytes; limit is "
                                 f"{_MAX_BYTES}).")
            result[key] = h5_utils.read_dataset(data, key, where=f" at {current_path}")
        return result, metadata

    # --- printing --------------------------------------------------------------------------------------
    def _generate_filepath_info(self, rich_style=False):
        return f"Keras model file '{self.filepath}'"

    def _generate_config_info(self, rich_style=False):
        import pprint

        return pprint.pformat(self.config)

    def _generate_metadata_info(self, rich_style=False):
        return f"Saved with Keras {self.metadata['keras_version']} - date: {self.metadata['date_saved']}"

    def _print_weights_structure(self, weights_dict, indent=0, is_first=True, prefix="", inner_path=""):
        for idx, (key, value) in enumerate(weights_dict.items()):
            inner_path = os.path.join(inner_path, key)
            is_last = idx == len(weights_dict) - 1
            if is_first:
                is_first = False
                connector = "> "
            elif is_last:
                connector = "└─ "
            else:
                connector = "├─ "
            if isinstance(value, dict):
                label = f"{prefix}{connector}{key}"
                name = self.object_metadata.get(inner_path, {}).get("name")
                if name is not None:
                    label += f" ('{h5_utils.decode(name)}')"
                _print(label)
                new_prefix = prefix + ("    " if is_last else "│   ")
                self._print_weights_structure(value, indent + 1, is_first=is_first, prefix=new_prefix,
                                              inner_path=inner_path)
            elif hasattr(value, "shape"):
                _print(f"{prefix}{connector}{key}: shape={value.shape}, dtype={value.dtype}")
            else:
                _print(f"{prefix}{connector}{key}: {value}")


def _print(message):
    io_utils.print_msg(message)


def _check_weights_dict(weights):
    if not isinstance(weights, dict):
        raise ValueError(
            "Argument `weights` should be a dict where keys are weight names (usually '0', '1', etc.) and values "
            f"are NumPy arrays. Received: type(weights)={type(weights)}"
        )


def _count_occurrences(d, name):
    count = sum(_count_occurrences(v, name) for v in d.values() if isinstance(v, dict))
    return count + (1 if name in d else 0)


def _write(h5_file, weights_dict, inner_path):
    """Write `weights_dict` as Keras does: each object's arrays in `<path>/vars`, empty objects left out."""
    arrays = {}
    for name, value in weights_dict.items():
        if isinstance(value, dict):
            if value:
                _write(h5_file, value, os.path.join(inner_path, name))
        else:
            arrays[name] = value
    if arrays:
        group = h5_file.create_group(f"{inner_path}/vars" if inner_path else "vars")
        for name, value in arrays.items():
            if hasattr(value, "detach"):
                value = value.detach().cpu().numpy()
            h5_utils.write_dataset(group, name, np.asarray(value))


def weight_spec_of(obj):
    """`{name: {... weight name: spec}}` for `obj` and the objects it holds, in Keras's saving layout
    (only objects with weights appear; each object's weights directly under its name)."""
    from torchkeras.saving import saveable_walk

    spec = {}
    for path, child in saveable_walk.walk(obj):
        for sub_path, variables in saveable_walk.own_variables(child).items():
            items = variables.items() if isinstance(variables, dict) else enumerate(variables)
            entries = {str(k): _WeightSpec(v.shape, str(v.dtype).replace("torch.", "")) for k, v in items}
            if not entries:
                continue
            node = spec
            full = "/".join(p for p in (path, sub_path) if p)
            for part in full.split("/") if full else []:
                node = node.setdefault(part, {})
            for key in sorted(entries):
                node[key] = entries[key]
    return spec
