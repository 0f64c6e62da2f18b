"""torchkeras's public names against real Keras 3.15's, by name, over every public `keras.*` namespace.

What we lack is listed below, explicitly: the list can only shrink. The test fails when a Keras name is missing
that is not listed (a regression) and when a listed name now exists (remove it from the list). After merging
branches that add names: run `python -m torchkeras.api_gen`, then this test, and delete the names it reports.
"""
import inspect
import types

import keras  # noqa: F401  (conftest sets KERAS_BACKEND=torch first)
import pytest

import torchkeras
from torchkeras import _api_table

# Keras names torchkeras does not have yet (with who is adding them). Only ever remove entries.
# Every public Keras 3.15 name exists here (the JAX/TensorFlow-only ones refuse as Keras on torch does).
LACKING = set()

# Present in both, but a different kind of object: `keras.name_scope` is a class in Keras, a context-manager
# function here (same use: `with keras.name_scope("block"): ...`).
KIND_DIFFERENCES = {"keras.name_scope"}


def keras_public_names():
    """{"keras.layers.Dense": "class", "keras.ops": "module", ...} for real Keras's public API."""
    found = {}

    def walk(module, path):
        for name in dir(module):
            if name.startswith("_"):
                continue
            value = getattr(module, name)
            full = f"{path}.{name}"
            if isinstance(value, types.ModuleType):
                if value.__name__.startswith("keras.") and not value.__name__.startswith(("keras.src",
                                                                                           "keras._tf_keras")):
                    found[full] = "module"
                    walk(value, full)
                continue
            found[full] = _kind(value)

    walk(keras, "keras")
    return found


def torchkeras_public_names():
    """The same for torchkeras, from its one public table (private namespaces such as `keras._legacy` aside)."""
    found = {}
    for namespace, entries in _api_table.NAMESPACES.items():
        if any(part.startswith("_") for part in namespace.split(".")):
            continue
        for name, target in entries.items():
            if not name.startswith("_"):
                found[f"{namespace}.{name}"] = target
    return found


def _kind(value):
    if isinstance(value, types.ModuleType):
        return "module"
    return "class" if inspect.isclass(value) else "callable" if callable(value) else "value"


@pytest.fixture(scope="module")
def names():
    return keras_public_names(), torchkeras_public_names()


def test_we_lack_only_the_listed_keras_names(names):
    theirs, ours = names
    lacking = set(theirs) - set(ours)
    assert sorted(lacking - LACKING) == [], "Keras names missing from torchkeras (a regression?)"
    assert sorted(LACKING - lacking) == [], "these names exist now: remove them from LACKING"


def test_shared_names_are_the_same_kind_of_object(names):
    theirs, ours = names
    different = []
    for path in sorted(set(theirs) & set(ours)):
        namespace, _, name = path.rpartition(".")
        module = torchkeras
        for part in namespace.split(".")[1:]:
            module = getattr(module, part)
        kind = _kind(getattr(module, name))
        if kind != theirs[path]:
            different.append((path, theirs[path], kind))
    assert sorted(p for p, _, _ in different) == sorted(KIND_DIFFERENCES), different


def test_public_name_counts(names, capsys):
    theirs, ours = names
    shared = set(theirs) & set(ours)
    with capsys.disabled():
        print(f"\nKeras 3.15: {len(theirs)} public names; torchkeras: {len(ours)}; shared: {len(shared)}; "
              f"torchkeras lacks {len(set(theirs) - set(ours))}; has {len(set(ours) - set(theirs))} more "
              "(Keras 2 names and torchkeras's own)")
    assert len(shared) == len(theirs) - len(LACKING)
