"""The import structure has no large cycle (issue 9, item 7).

Names in configs resolve through the public table, so `saving/serialization_lib.py` no longer imports back up
into activations, losses, metrics or KerasTensor; before that change one cycle spanned 54 modules. The modules
that remain in a cycle are a model's `save`/`fit` reaching the saving code and trainers that build models (about
14), and a package's identifier table with its members (9). `python tests/api/import_graph.py` lists them; a
cycle larger than LARGEST_ALLOWED means some low-level module started importing back up again.
"""
from . import import_graph

LARGEST_ALLOWED = 20


def test_no_import_cycle_is_larger_than_the_known_ones():
    cycles = import_graph.cycles()
    largest = cycles[0] if cycles else []
    assert len(largest) <= LARGEST_ALLOWED, f"an import cycle of {len(largest)} modules: {largest}"


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
