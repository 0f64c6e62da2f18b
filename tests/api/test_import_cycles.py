"""The import structure has no large cycle (issue 9, item 7).

Names in configs resolve through the public table, so `saving/serialization_lib.py` no longer imports back up
into activations, losses, metrics or KerasTensor; before that change one cycle spanned 54 modules. The modules
that remain in a cycle are the top level: a model's `save`/`fit` reaching the saving code and the trainers,
which build models, and `keras.distribution`, which prepares, shards and saves models (about 25); and a
package's identifier table with its members (9). `python tests/api/import_graph.py` lists them; a larger cycle,
or a low-level module (backend, ops, layers, optimizers, losses, metrics, ...) in one, means some module
started importing back up again.
"""
from . import import_graph

LARGEST_ALLOWED = 26
TOP_LEVEL = ("torchkeras.models.", "torchkeras.trainers.", "torchkeras.saving.", "torchkeras.distribution.",
             "torchkeras.utils.summary_utils")


def test_no_import_cycle_is_larger_than_the_known_ones():
    cycles = import_graph.cycles()
    largest = cycles[0] if cycles else []
    assert len(largest) <= LARGEST_ALLOWED, f"an import cycle of {len(largest)} modules: {largest}"


def test_low_level_modules_are_in_no_large_cycle():
    for cycle in import_graph.cycles():
        if len(cycle) > 9:
            assert [m for m in cycle if not m.startswith(TOP_LEVEL)] == [], cycle


def test_serialization_lib_is_in_no_cycle_and_imports_nothing_above_it():
    cycles = import_graph.cycles()
    assert not [c for c in cycles if "torchkeras.saving.serialization_lib" in c]
    graph = import_graph.import_graph()
    imported = graph["torchkeras.saving.serialization_lib"]
    for package in ("torchkeras.activations", "torchkeras.losses", "torchkeras.metrics", "torchkeras.layers",
                    "torchkeras.models", "torchkeras.backend.keras_tensor", "torchkeras.ops"):
        assert not [m for m in imported if m == package or m.startswith(package + ".")], (package, imported)


def test_the_graph_sees_function_level_imports(tmp_path):
    pkg = tmp_path / "torchkeras"
    (pkg / "a").mkdir(parents=True)
    (pkg / "__init__.py").touch()
    (pkg / "a" / "__init__.py").write_text("from torchkeras.a import b\n")
    (pkg / "a" / "b.py").write_text("def f():\n    from torchkeras.a import c\n")
    (pkg / "a" / "c.py").write_text("import torchkeras.a\n")
    found = import_graph.cycles(str(tmp_path))
    assert found == [["torchkeras.a", "torchkeras.a.b", "torchkeras.a.c"]]
