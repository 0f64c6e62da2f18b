"""The public names of torchkeras come from one generated table (`torchkeras/_api_table.py`).

Every advertised name resolves (to the object its `@keras_export` registers), nothing exported is missing from
the table, the table matches the source, and the namespaces stay lazy.
"""
import importlib
import inspect
import os
import subprocess
import sys
import textwrap

import pytest

import torchkeras
from torchkeras import _api_table
from torchkeras import api_export
from torchkeras import api_gen

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REGENERATE = "python -m torchkeras.api_gen"


def _namespace_module(namespace):
    module = torchkeras
    for part in namespace.split(".")[1:]:
        module = getattr(module, part)
    return module


def test_the_table_is_up_to_date_with_the_decorators():
    with open(api_gen.table_path(ROOT), encoding="utf-8") as f:
        current = f.read()
    assert current == api_gen.render(ROOT), (
        f"torchkeras/_api_table.py is stale: run `{REGENERATE}` from the repository root and commit the result."
    )


def test_the_table_says_how_to_regenerate_it():
    assert REGENERATE in _api_table.__doc__
    assert "do not edit" in _api_table.__doc__


@pytest.mark.parametrize("namespace", sorted(_api_table.NAMESPACES))
def test_every_advertised_name_resolves_to_its_exported_object(namespace):
    module = _namespace_module(namespace)
    assert module.__name__ == api_export.module_of_namespace(namespace)
    for name, target in _api_table.NAMESPACES[namespace].items():
        value = getattr(module, name)
        if ":" not in target:
            assert inspect.ismodule(value) and value.__name__ == target
            continue
        path = f"{namespace}.{name}"
        assert api_export._EXPORTS.get(path) is value, f"{path} resolves to {value!r}, not its exported object"
        assert api_export.get_exported(path) is value


@pytest.mark.parametrize("namespace", sorted(_api_table.NAMESPACES))
def test_dir_and_getmembers_of_every_namespace_never_fail(namespace):
    module = _namespace_module(namespace)
    names = dir(module)
    public = [n for n in _api_table.NAMESPACES[namespace] if not n.startswith("_")]
    assert set(public) <= set(names)
    assert set(public) <= set(getattr(module, "__all__", public))
    members = dict(inspect.getmembers(module))
    assert set(public) <= set(members)


def test_top_level_advertises_only_namespaces_that_exist():
    advertised = dir(torchkeras)
    for name in advertised:
        getattr(torchkeras, name)  # never ModuleNotFoundError / AttributeError
    for namespace in ("applications", "tree", "wrappers", "visualization", "distribution", "quantizers"):
        exists = f"keras.{namespace}" in _api_table.NAMESPACES
        assert (namespace in advertised) == exists
        if not exists:
            with pytest.raises(AttributeError, match=f"has no attribute '{namespace}'"):
                getattr(torchkeras, namespace)
    inspect.getmembers(torchkeras)


def test_unknown_names_raise_attribute_error():
    with pytest.raises(AttributeError, match="module 'torchkeras.layers' has no attribute 'NoSuchLayer'"):
        torchkeras.layers.NoSuchLayer
    assert not hasattr(torchkeras.utils, "get_custom_objectz")
    assert not hasattr(torchkeras, "_api_tablez")


def test_nothing_exported_is_missing_from_the_table():
    """Import every torchkeras module (in a fresh interpreter, so that this process stays as light as a user's),
    then compare what `keras_export` registered with the table."""
    code = textwrap.dedent("""
        import importlib, pkgutil
        import torchkeras
        from torchkeras import _api_table, api_export
        for info in pkgutil.walk_packages(torchkeras.__path__, "torchkeras."):
            importlib.import_module(info.name)
        table = {f"{ns}.{name}" for ns, entries in _api_table.NAMESPACES.items()
                 for name, target in entries.items() if ":" in target}
        exported = {p for p in api_export._EXPORTS if p.startswith("keras.") and not p.startswith("keras.src.")}
        print("missing:", sorted(exported - table))
        print("stale:", sorted(table - exported))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": ROOT}, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["missing: []", "stale: []"], f"{out.stdout}\nrerun `{REGENERATE}`"


def test_virtual_namespaces_import_like_modules():
    import torchkeras.layers.experimental.preprocessing as preprocessing

    assert preprocessing.Rescaling is torchkeras.layers.Rescaling
    assert "Rescaling" in dir(preprocessing) and "Rescaling" in preprocessing.__all__
    from torchkeras.utils.traceback_utils import enable_traceback_filtering

    assert enable_traceback_filtering is torchkeras.config.enable_traceback_filtering
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("torchkeras.layers.no_such_namespace")


def test_keras_aliases_are_the_same_objects():
    assert torchkeras.version() == torchkeras.__version__
    assert torchkeras.utils.Sequence is torchkeras.utils.PyDataset
    assert torchkeras.utils.is_keras_tensor is torchkeras.backend.is_keras_tensor
    assert torchkeras.utils.standardize_dtype is torchkeras.backend.standardize_dtype
    assert torchkeras.config.floatx is torchkeras.backend.floatx
    assert torchkeras.initializers.IdentityInitializer is torchkeras.initializers.Identity
    assert torchkeras.initializers.OrthogonalInitializer is torchkeras.initializers.Orthogonal
    assert torchkeras.initializers.STFTInitializer is torchkeras.initializers.STFT
    assert torchkeras.optimizers.LossScaleOptimizer is torchkeras.mixed_precision.LossScaleOptimizer
    from torchkeras.ops.function import Function

    assert torchkeras.Function is Function and torchkeras.Function is not torchkeras.Operation


def test_import_is_lazy_and_light():
    """Importing torchkeras with its layers and models namespaces, and using a layer and a model, loads
    nothing heavy (issue 14)."""
    code = textwrap.dedent("""
        import sys
        import torchkeras as keras
        keras.layers, keras.models
        assert "torchkeras.layers.core.dense" not in sys.modules
        keras.layers.Dense, keras.Sequential, keras.Model
        heavy = ["tensorboard", "h5py", "matplotlib", "scipy", "sklearn", "torch._dynamo"]
        print(",".join(m for m in heavy if m in sys.modules))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": ROOT}, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""


def test_a_public_object_wins_over_a_submodule_of_the_same_name():
    """`torchkeras/utils/plot_history.py` defines `keras.utils.plot_history`: importing the module first must
    not replace the function on the package."""
    code = textwrap.dedent("""
        from torchkeras.utils.plot_history import plot_history as function
        import torchkeras
        assert torchkeras.utils.plot_history is function, torchkeras.utils.plot_history
        import torchkeras.initializers.orthogonal
        assert torchkeras.initializers.orthogonal is torchkeras.initializers.Orthogonal
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": ROOT}, timeout=120)
    assert out.returncode == 0, out.stderr
