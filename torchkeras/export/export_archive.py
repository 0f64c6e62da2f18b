"""`keras.export.ExportArchive`: an inference artifact with named endpoints and variable collections.

Keras writes a TensorFlow SavedModel (on its torch backend, by converting a `torch.export` program through
torch_xla and TensorFlow). torchkeras has no TensorFlow, so the same API writes a directory of `torch.export`
programs instead:

- `<endpoint name>.pt2`: one `torch.export.ExportedProgram` per endpoint (`torch.export.load(path)`, then
  `program.module()(*inputs)`); unknown dims of the input signature are dynamic (`torch.export.Dim`), the
  first dim of every input sharing one "batch" dim, as Keras's torch archive does.
- `variables.pt`: the variable collections, `{name: [tensor, ...]}` (`torch.load(path, weights_only=True)`).
- `archive.json`: the endpoints with their input signatures, and the collection names.

`load_export_archive(path)` reads the directory back into an object with one callable per endpoint and one
list of tensors per collection, as `tf.saved_model.load` revives a Keras SavedModel.
"""
import json
import os
import warnings

import torch

from torchkeras.api_export import keras_export
from torchkeras.backend import dtypes
from torchkeras.backend.device import get_device
from torchkeras.backend.keras_tensor import KerasTensor
from torchkeras.export.inference_mode import inference_mode
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer
from torchkeras.utils import io_utils
from torchkeras.utils import tree

ARCHIVE_FILENAME = "archive.json"
VARIABLES_FILENAME = "variables.pt"


class _Endpoint(torch.nn.Module):
    """A function over the tracked layers, as a module that `torch.export` can trace (the layers are
    submodules, so their weights become the program's parameters)."""

    def __init__(self, fn, layers):
        super().__init__()
        self.fn = fn
        self.tracked = torch.nn.ModuleList(layers)

    def forward(self, *args):
        return self.fn(*args)


def _spec(x):
    """An input spec (`KerasTensor`, `InputSpec`, tensor or shape tuple) as `(shape, dtype)`."""
    if isinstance(x, torch.Tensor):
        return tuple(x.shape), dtypes.standardize_dtype(x.dtype)
    if isinstance(x, (KerasTensor, InputSpec)):
        if x.shape is None:
            raise ValueError(f"The input signature needs shapes; {x} has none.")
        return tuple(x.shape), dtypes.standardize_dtype(x.dtype or "float32")
    if hasattr(x, "shape") and hasattr(x, "dtype"):  # e.g. tf.TensorSpec
        return tuple(None if d is None else int(d) for d in x.shape), dtypes.standardize_dtype(
            getattr(x.dtype, "name", x.dtype))
    raise ValueError(
        "Each element of `input_signature` must be a `keras.InputSpec`, a `KerasTensor` or a tensor (in a "
        f"list, tuple or dict structure). Received: {x!r}"
    )


def _is_leaf(x):
    return isinstance(x, (torch.Tensor, KerasTensor, InputSpec)) or (
        hasattr(x, "shape") and hasattr(x, "dtype") and not isinstance(x, (list, tuple, dict)))


def _map(fn, structure):
    if _is_leaf(structure):
        return fn(structure)
    if isinstance(structure, dict):
        return {k: _map(fn, v) for k, v in structure.items()}
    if isinstance(structure, (list, tuple)):
        return type(structure)(_map(fn, v) for v in structure)
    raise ValueError(f"Unsupported element in `input_signature`: {structure!r}")


@keras_export("keras.export.ExportArchive")
class ExportArchive:
    """An inference artifact: layers or models tracked with `track()`, endpoints added with
    `add_endpoint()` (or `track_and_add_endpoint()`), variable collections, written by `write_out()`.

    On PyTorch the artifact is a directory of `torch.export` programs (see the module docstring); Keras's
    TensorFlow SavedModel needs TensorFlow.

    Example:

    ```python
    export_archive = ExportArchive()
    export_archive.track(model)
    export_archive.add_endpoint(name="serve", fn=model.call,
                                input_signature=[keras.InputSpec(shape=(None, 3), dtype="float32")])
    export_archive.write_out("path/to/location")
    ```
    """

    def __init__(self, format="saved_model"):
        if format == "neptune_model":
            raise NotImplementedError(
                "NeptuneExportArchive is an abstract class. Use a subclass such as OrbaxSavedModelExportArchive "
                "(which needs JAX and Orbax: not available on PyTorch)."
            )
        if format != "saved_model":
            raise ValueError(f"Unsupported format: {format}")
        self._tracked = []
        self._endpoint_names = []
        self._endpoint_programs = {}
        self._endpoint_signatures = {}
        self._collections = {}

    # --- tracking --------------------------------------------------------------------------------------
    def track(self, resource):
        """Track a layer or model: its weights are the artifact's `variables`, and endpoints may use it."""
        if not isinstance(resource, Layer):
            raise ValueError(
                "Invalid resource type. Expected a Keras `Layer` or `Model`. "
                f"Received object {resource} of type '{type(resource)}'. "
            )
        if not resource.built:
            raise ValueError("The layer provided has not yet been built. It must be built before export.")
        if not any(resource is t for t in self._tracked):
            self._tracked.append(resource)

    @property
    def variables(self):
        return self._unique(v for layer in self._tracked for v in layer.weights)

    @property
    def trainable_variables(self):
        return self._unique(v for layer in self._tracked for v in layer.trainable_weights)

    @property
    def non_trainable_variables(self):
        return self._unique(v for layer in self._tracked for v in layer.non_trainable_weights)

    @staticmethod
    def _unique(variables):
        seen, out = set(), []
        for v in variables:
            if id(v) not in seen:
                seen.add(id(v))
                out.append(v)
        return out

    # --- endpoints -------------------------------------------------------------------------------------
    def add_endpoint(self, name, fn, input_signature=None, **kwargs):
        """Register the endpoint `name`: `fn` traced with `torch.export` on inputs described by
        `input_signature` (a list with one structure of `keras.InputSpec`/`KerasTensor`/tensors per positional
        argument of `fn`). `fn` may use the layers tracked so far. Returns the `torch.export.ExportedProgram`."""
        if name in self._endpoint_names:
            raise ValueError(f"Endpoint name '{name}' is already taken.")
        if "jax2tf_kwargs" in kwargs or "is_static" in kwargs:
            raise ValueError(
                "'jax2tf_kwargs' and 'is_static' are only supported with the jax backend. Current backend: torch"
            )
        if kwargs:
            raise ValueError(f"Unsupported arguments for `add_endpoint`: {sorted(kwargs)}.")
        if input_signature is None:
            raise ValueError(
                "On PyTorch, `add_endpoint` needs an `input_signature` describing the shape and dtype of each "
                "argument of `fn`, e.g. `input_signature=[keras.InputSpec(shape=(None, 3), dtype='float32')]` "
                "(TensorFlow's traced `tf.function`s are not available)."
            )
        if not isinstance(input_signature, (list, tuple)):
            input_signature = [input_signature]
        specs = [_map(_spec, s) for s in input_signature]
        module = _Endpoint(fn, self._tracked)
        program = self._export(module, specs)
        self._endpoint_names.append(name)
        self._endpoint_programs[name] = program
        self._endpoint_signatures[name] = specs
        return program

    def track_and_add_endpoint(self, name, resource, input_signature, **kwargs):
        """Track the layer or model `resource` and register its `__call__` as the endpoint `name`."""
        if name in self._endpoint_names:
            raise ValueError(f"Endpoint name '{name}' is already taken.")
        if not isinstance(resource, Layer):
            raise ValueError(
                "Invalid resource type. Expected an instance of a Keras `Layer` or `Model`. "
                f"Received: resource={resource} (of type {type(resource)})"
            )
        self.track(resource)
        return self.add_endpoint(name, resource, input_signature, **kwargs)

    def _export(self, module, specs):
        device = get_device()
        batch = torch.export.Dim("batch", min=1)
        counter = [0]

        def sample(spec):
            shape, dtype = spec
            return torch.ones(tuple(2 if d is None else d for d in shape), dtype=dtypes.to_torch_dtype(dtype),
                              device=device)

        def dims(spec):
            shape, _ = spec
            out = {}
            for i, d in enumerate(shape):
                if d is None:
                    if i == 0:
                        out[i] = batch
                    else:
                        counter[0] += 1
                        out[i] = torch.export.Dim(f"dim_{counter[0]}_{i}", min=1)
            return out or None

        def is_spec(x):
            return isinstance(x, tuple) and len(x) == 2 and isinstance(x[0], tuple) and isinstance(x[1], str)

        def map_specs(fn, structure):
            if is_spec(structure):
                return fn(structure)
            if isinstance(structure, dict):
                return {k: map_specs(fn, v) for k, v in structure.items()}
            return type(structure)(map_specs(fn, v) for v in structure)

        samples = tuple(map_specs(sample, s) for s in specs)
        dynamic = tuple(map_specs(dims, s) for s in specs)
        has_dynamic = any(d is not None for d in tree.flatten(dynamic))
        # Traced in inference mode; every module's own mode is restored afterwards (the wrapper is new, so
        # restoring from its flag alone would switch the user's model to training mode).
        modes = [(m, m.training) for m in module.modules()]
        try:
            with inference_mode(module), warnings.catch_warnings():
                return self._trace(module, samples, dynamic if has_dynamic else None)
        finally:
            for m, mode in modes:
                m.training = mode

    @staticmethod
    def _trace(module, samples, dynamic):
        warnings.filterwarnings("ignore", message=r".*not properly registered as a submodule.*")
        try:
            # `forward(*args)`: torch.export wants one spec for the whole `args` tuple.
            return torch.export.export(module, samples, dynamic_shapes=(dynamic,) if dynamic is not None else None,
                                       strict=False)
        except Exception as e:
            raise RuntimeError(
                "Failed to export the endpoint with torch.export. Common causes: unsupported operations, "
                f"data-dependent control flow, or shape constraints not satisfied. Original error: {e}"
            ) from e

    # --- variable collections --------------------------------------------------------------------------
    def add_variable_collection(self, name, variables):
        """Save `variables` (a list, tuple or set of `keras.Variable`s) under `name` in the artifact."""
        if not isinstance(variables, (list, tuple, set)):
            raise ValueError(
                f"Expected `variables` to be a list/tuple/set. Received instead object of type '{type(variables)}'."
            )
        if not all(isinstance(v, torch.Tensor) for v in variables):
            raise ValueError(
                "Expected all elements in `variables` to be `keras.Variable` instances. Found instead the "
                f"following types: {list(set(type(v) for v in variables))}"
            )
        self._collections[name] = list(variables)

    # --- writing ---------------------------------------------------------------------------------------
    def write_out(self, filepath, options=None, verbose=True):
        """Write the artifact to the directory `filepath` (one `.pt2` program per endpoint, the variable
        collections, and `archive.json`). `options` is TensorFlow's and is not supported."""
        if options is not None:
            raise ValueError("`options` (a `tf.saved_model.SaveOptions`) is not supported on PyTorch.")
        if not self._endpoint_names:
            raise ValueError("No endpoints have been set yet. Call add_endpoint().")
        filepath = str(filepath)
        os.makedirs(filepath, exist_ok=True)
        with warnings.catch_warnings():
            # torch warns about weights stored as views (e.g. column-major Dense kernels); they save correctly.
            warnings.filterwarnings("ignore", message=r".*No complete tensor found in the group.*")
            for name in self._endpoint_names:
                torch.export.save(self._endpoint_programs[name], os.path.join(filepath, f"{name}.pt2"))
        collections = {name: [v.detach().cpu().clone() for v in variables]
                       for name, variables in self._collections.items()}
        torch.save(collections, os.path.join(filepath, VARIABLES_FILENAME))
        manifest = {
            "format": "torchkeras.export.ExportArchive",
            "endpoints": {name: [_describe(s) for s in self._endpoint_signatures[name]]
                          for name in self._endpoint_names},
            "variable_collections": sorted(collections),
        }
        with open(os.path.join(filepath, ARCHIVE_FILENAME), "w") as f:
            json.dump(manifest, f, indent=2)
        if verbose:
            endpoints = "\n\n".join(_print_signature(name, self._endpoint_signatures[name])
                                    for name in self._endpoint_names)
            io_utils.print_msg(f"Saved artifact at '{filepath}'. The following endpoints are available:\n\n"
                               f"{endpoints}")


def _describe(structure):
    if isinstance(structure, tuple) and len(structure) == 2 and isinstance(structure[1], str):
        return {"shape": list(structure[0]), "dtype": structure[1]}
    if isinstance(structure, dict):
        return {k: _describe(v) for k, v in structure.items()}
    return [_describe(v) for v in structure]


def _print_signature(name, specs):
    lines = [f"* Endpoint '{name}'", "  Args:"]
    for i, spec in enumerate(specs):
        lines.append(f"    arg_{i}: {json.dumps(_describe(spec))}")
    return "\n".join(lines)


class _RevivedArchive:
    """What `load_export_archive` returns: one callable attribute per endpoint (the program's module) and
    one list of tensors per variable collection."""

    def __repr__(self):
        return f"<ExportArchive endpoints={self._endpoint_names}>"


def load_export_archive(filepath):
    """Read a directory written by `ExportArchive.write_out` (torchkeras's counterpart of
    `tf.saved_model.load`)."""
    filepath = str(filepath)
    manifest_path = os.path.join(filepath, ARCHIVE_FILENAME)
    if not os.path.exists(manifest_path):
        raise ValueError(f"No ExportArchive found at '{filepath}' (missing {ARCHIVE_FILENAME}).")
    with open(manifest_path) as f:
        manifest = json.load(f)
    revived = _RevivedArchive()
    revived._endpoint_names = list(manifest["endpoints"])
    for name in revived._endpoint_names:
        with warnings.catch_warnings():
            # torch warns about weights stored as views (e.g. column-major Dense kernels); they load correctly.
            warnings.filterwarnings("ignore", message=r".*No complete tensor found in the group.*")
            program = torch.export.load(os.path.join(filepath, f"{name}.pt2"))
        setattr(revived, name, program.module())
    collections = torch.load(os.path.join(filepath, VARIABLES_FILENAME), weights_only=True)
    for name, tensors in collections.items():
        setattr(revived, name, tensors)
    return revived
