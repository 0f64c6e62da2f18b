"""Run a keras.io guide or example unchanged on torchkeras, with small synthetic data.

    python tests/keras_io/runner.py guides/functional_api.py [--json OUT] [--real-keras]

The guide's source is read from `$KERAS_IO_DIR` (default: `tests/keras_io/_src`, which git ignores; the sources
are keras.io's, never committed here). What the runner does, and nothing more:

- `import keras` (and every `keras.*` module) resolves to torchkeras (`torchkeras.*`).
- `keras.datasets.<name>.load_data` return synthetic arrays of the real shapes and dtypes (sizes per guide).
- Nothing reaches the network: `urllib.request.urlopen` raises `NeedsInternet`, and `tensorflow` /
  `tensorflow_datasets` / `jax`, when not installed, are stand-ins whose every attribute raises `NeedsPackage`.
- `Model.fit` runs at most `max_epochs` epochs of at most `max_steps` steps (and as many validation steps);
  `Model.evaluate` at most `max_steps` steps. Arguments the guide passes are otherwise untouched.
- matplotlib draws to the Agg backend; the working directory and `KERAS_HOME` are temporary.
- The names NumPy 2 removed (`np.Inf`, `np.NaN`, `np.float_`) are put back: some guides predate NumPy 2.
- With `--real-keras` the same guide runs on Keras 3 itself (the oracle), with the same data and caps: diff the
  two outputs (summaries, printed configs, warnings) to find where torchkeras differs.

A cell that uses `keras.applications` before that namespace exists is skipped (`NeedsPackage`); cells that use a
name a skipped cell defines are skipped too. TensorFlow (for `tf.data`) and TFDS are used when installed.

The guide runs cell by cell (keras.io's format: code between the docstring blocks), in one namespace. A cell that
raises `NeedsInternet`/`NeedsPackage` (directly or as the cause of another error) is recorded as skipped, with
the reason; any other exception is a failure (with its traceback), and the run goes on with the next cell.
"""
import argparse
import ast
import importlib
import importlib.abc
import importlib.util
import json
import os
import sys
import tempfile
import time
import traceback
import types

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SOURCE_DIR = os.path.join(HERE, "_src")


def source_dir():
    return os.environ.get("KERAS_IO_DIR", DEFAULT_SOURCE_DIR)


# Per-guide sizes: the guides that reshape MNIST to exactly (60000, 784) get the real sizes.
GUIDES = {
    "guides/functional_api.py": dict(mnist=(60000, 10000), cifar=(1200, 200)),
    "guides/sequential_model.py": {},
    "guides/serialization_and_saving.py": {},
    "guides/quantization_overview.py": {},
    "guides/training_with_built_in_methods.py": dict(mnist=(60000, 10000)),
    "guides/custom_train_step_in_torch.py": dict(mnist=(1000, 200)),
    "guides/writing_a_custom_training_loop_in_torch.py": dict(mnist=(11000, 500)),
    "guides/making_new_layers_and_models_via_subclassing.py": dict(mnist=(60000, 10000)),
    "guides/transfer_learning.py": {},
    "guides/writing_your_own_callbacks.py": dict(mnist=(2000, 1000)),
    "examples/vision/image_classification_with_vision_transformer.py": dict(cifar=(600, 100), max_steps=2),
    "examples/vision/cct.py": dict(cifar=(600, 100), max_steps=2),
}
DEFAULTS = dict(mnist=(2000, 500), cifar=(600, 100), max_epochs=1, max_steps=5)


class NeedsInternet(ConnectionError):
    """The guide asked for something on the network (pretrained weights, a dataset download)."""


class NeedsPackage(ImportError):
    """The guide used a package that is not installed here (TensorFlow, TFDS, JAX)."""


# --------------------------------------------------------------------------------------------- keras -> torchkeras
class _KerasAlias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Resolves `keras` and `keras.x.y` to the module objects `torchkeras` and `torchkeras.x.y`."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname == "keras" or fullname.startswith("keras."):
            real = "torch" + fullname
            if importlib.util.find_spec(real) is None:
                return None
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        return importlib.import_module("torch" + spec.name)

    def exec_module(self, module):
        pass


def install_keras_alias():
    for name in list(sys.modules):
        if name == "keras" or name.startswith("keras."):
            del sys.modules[name]
    sys.meta_path.insert(0, _KerasAlias())
    import torchkeras

    sys.modules["keras"] = torchkeras
    return torchkeras


# ------------------------------------------------------------------------------------------ missing packages
class _MissingPackage(types.ModuleType):
    def __init__(self, name):
        super().__init__(name)
        self.__path__ = []

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        raise NeedsPackage(f"`{self.__name__}.{attr}`: {self.__name__.split('.')[0]} is not installed here.")


def missing_packages(names=("tensorflow", "tensorflow_datasets", "jax")):
    return tuple(n for n in names if importlib.util.find_spec(n) is None)


def guide_builtins(missing):
    """Builtins for the guide's namespace: `import tensorflow` there gives a stand-in when it is not installed.

    Only the guide's own code sees the stand-ins (`sys.modules` is untouched), so libraries that look for
    TensorFlow in `sys.modules` behave as they would without it.
    """
    import builtins

    stand_ins = {}

    def __import__(name, globals=None, locals=None, fromlist=(), level=0):
        root = name.split(".")[0]
        if level == 0 and root in missing:
            for part in [".".join(name.split(".")[: i + 1]) for i in range(name.count(".") + 1)]:
                stand_ins.setdefault(part, _MissingPackage(part))
            return stand_ins[name] if fromlist else stand_ins[root]
        return builtins.__import__(name, globals, locals, fromlist, level)

    table = dict(vars(builtins))
    table["__import__"] = __import__
    return table


def block_network():
    import urllib.request

    def urlopen(url, *args, **kwargs):
        url = getattr(url, "full_url", url)
        raise NeedsInternet(f"network access to {url} (no network in this run)")

    urllib.request.urlopen = urlopen
    urllib.request.urlretrieve = lambda url, *a, **k: urlopen(url)


# -------------------------------------------------------------------------------------------- synthetic data
def install_synthetic_datasets(keras, cfg, seed=0):
    import numpy as np

    rng = np.random.default_rng(seed)

    def images(n, shape, classes, label_shape):
        x = rng.integers(0, 256, size=(n,) + shape, dtype=np.uint8)
        y = rng.integers(0, classes, size=(n,) + label_shape).astype(np.uint8 if classes <= 256 else np.int64)
        return x, y

    def make(name, shape, classes, label_shape, sizes):
        def load_data(*args, **kwargs):
            n_train, n_test = sizes
            return images(n_train, shape, classes, label_shape), images(n_test, shape, classes, label_shape)

        load_data.__name__ = "load_data"
        module = importlib.import_module(f"{keras.__name__}.datasets.{name}")
        module.load_data = load_data

    make("mnist", (28, 28), 10, (), cfg["mnist"])
    make("fashion_mnist", (28, 28), 10, (), cfg["mnist"])
    make("cifar10", (32, 32, 3), 10, (1,), cfg["cifar"])
    make("cifar100", (32, 32, 3), 100, (1,), cfg["cifar"])


# ------------------------------------------------------------------------------------------------ shorter fits
def cap_training(keras, max_epochs, max_steps):
    model_cls = keras.Model
    owner = next(c for c in model_cls.__mro__ if "fit" in vars(c))
    fit, evaluate = owner.fit, next(c for c in model_cls.__mro__ if "evaluate" in vars(c)).evaluate

    def capped_fit(self, *args, **kwargs):
        names = ("x", "y", "batch_size", "epochs")
        for name, value in zip(names, args):
            kwargs[name] = value
        kwargs["epochs"] = min(kwargs.get("epochs", 1), max_epochs)
        initial_epoch = kwargs.get("initial_epoch", 0)
        if initial_epoch >= kwargs["epochs"]:
            kwargs["epochs"] = initial_epoch + 1
        if kwargs.get("steps_per_epoch") is None or kwargs["steps_per_epoch"] > max_steps:
            kwargs["steps_per_epoch"] = max_steps
        if kwargs.get("validation_data") is not None or kwargs.get("validation_split"):
            if kwargs.get("validation_steps") is None or kwargs["validation_steps"] > max_steps:
                kwargs["validation_steps"] = max_steps
        return fit(self, **kwargs)

    def capped_evaluate(self, *args, **kwargs):
        names = ("x", "y", "batch_size", "verbose", "sample_weight", "steps")
        for name, value in zip(names, args):
            kwargs[name] = value
        if kwargs.get("steps") is None or kwargs["steps"] > max_steps:
            kwargs["steps"] = max_steps
        return evaluate(self, **kwargs)

    owner.fit = capped_fit
    next(c for c in model_cls.__mro__ if "evaluate" in vars(c)).evaluate = capped_evaluate


# ------------------------------------------------------------------------------------------------------- cells
def split_cells(source, filename):
    """The guide's code cells: runs of statements between its bare string (markdown) blocks."""
    tree = ast.parse(source, filename)
    cells, current = [], []
    for node in tree.body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            if current:
                cells.append(current)
                current = []
            continue
        current.append(node)
    if current:
        cells.append(current)
    return cells


def _cause(exc):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, (NeedsInternet, NeedsPackage)):
            return exc
        if isinstance(exc, AttributeError) and "has no attribute 'applications'" in str(exc):
            return NeedsPackage("keras.applications is not on this branch")
        exc = exc.__cause__ or exc.__context__
    return None


def _assigned_names(cell):
    names = set()
    for node in cell:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                names.add(sub.id)
            elif isinstance(sub, (ast.FunctionDef, ast.ClassDef)):
                names.add(sub.name)
    return names


def numpy_1_aliases():
    """The names NumPy 2 removed that the guides (written for NumPy 1) still use."""
    import numpy as np

    for old, new in (("Inf", "inf"), ("NaN", "nan"), ("float_", "float64")):
        if old not in np.__dict__:
            setattr(np, old, getattr(np, new))


def run(relpath, stream=sys.stdout, real_keras=False):
    path = os.path.join(source_dir(), relpath)
    with open(path, encoding="utf-8") as f:
        source = f.read()
    cfg = dict(DEFAULTS)
    cfg.update(GUIDES.get(relpath, {}))

    os.environ.setdefault("MPLBACKEND", "Agg")
    os.environ["KERAS_BACKEND"] = "torch"
    workdir = tempfile.mkdtemp(prefix="keras_io_")
    os.environ["KERAS_HOME"] = os.path.join(workdir, ".keras")
    os.chdir(workdir)
    if real_keras:  # the oracle: the same guide, same data and caps, on Keras 3 itself
        import keras
    else:
        keras = install_keras_alias()
    numpy_1_aliases()
    missing = missing_packages()
    block_network()
    install_synthetic_datasets(keras, cfg)
    cap_training(keras, cfg["max_epochs"], cfg["max_steps"])

    import numpy as np
    import torch

    np.random.seed(0)
    torch.manual_seed(0)
    namespace = {"__name__": "__main__", "__file__": path, "__builtins__": guide_builtins(missing)}
    results = []
    skipped_names = {}
    for i, cell in enumerate(split_cells(source, path)):
        first, last = cell[0].lineno, cell[-1].end_lineno
        code = compile(ast.Module(body=cell, type_ignores=[]), path, "exec")
        start = time.time()
        entry = dict(cell=i, lines=f"{first}-{last}")
        try:
            exec(code, namespace)
            entry["status"] = "ok"
        except BaseException as e:  # noqa: BLE001 - every cell's outcome is recorded
            if isinstance(e, KeyboardInterrupt):
                raise
            reason = _cause(e)
            if isinstance(e, NameError) and e.name in skipped_names:
                entry.update(status="skipped", reason=f"uses `{e.name}` from skipped cell {skipped_names[e.name]}")
            elif reason is not None:
                entry.update(status="skipped", reason=f"{type(reason).__name__}: {reason}")
            else:
                entry.update(status="failed", error=f"{type(e).__name__}: {e}",
                             traceback="".join(traceback.format_exception(e))[-4000:])
        if entry["status"] == "skipped":
            skipped_names.update(dict.fromkeys(_assigned_names(cell) - set(namespace), i))
        entry["seconds"] = round(time.time() - start, 2)
        results.append(entry)
        print(f"[keras_io] {relpath} cell {i} (lines {entry['lines']}): {entry['status']}"
              f" {entry.get('reason', entry.get('error', ''))} ({entry['seconds']}s)", file=stream, flush=True)
        if entry["status"] == "failed":
            print(entry["traceback"], file=stream, flush=True)
    return dict(guide=relpath, missing_packages=list(missing), cells=results)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("guide", help="path relative to the keras-io checkout, e.g. guides/functional_api.py")
    parser.add_argument("--json", help="write the per-cell results here")
    parser.add_argument("--real-keras", action="store_true", help="run on Keras 3 itself (the oracle), not torchkeras")
    args = parser.parse_args(argv)
    out = os.path.abspath(args.json) if args.json else None
    result = run(args.guide, real_keras=args.real_keras)
    if out:
        with open(out, "w") as f:
            json.dump(result, f, indent=1)
    failed = [c for c in result["cells"] if c["status"] == "failed"]
    print(f"[keras_io] {args.guide}: {len(result['cells'])} cells, {len(failed)} failed, "
          f"{sum(c['status'] == 'skipped' for c in result['cells'])} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
