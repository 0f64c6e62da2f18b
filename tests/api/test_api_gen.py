"""`python -m torchkeras.api_gen` reads the `@keras_export` forms the source uses, and refuses the others."""
import os
import subprocess
import sys
import textwrap

import pytest

from torchkeras import api_gen


def _tree(tmp_path, files):
    for rel, text in files.items():
        path = tmp_path / "torchkeras" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    (tmp_path / "torchkeras" / "__init__.py").touch()
    return str(tmp_path)


def test_every_supported_form_is_read(tmp_path):
    root = _tree(tmp_path, {
        "layers/__init__.py": "",
        "layers/dense.py": '''
            from torchkeras.api_export import keras_export

            @keras_export("keras.layers.Dense", "keras.layers.experimental.Dense")
            class Dense:
                pass
        ''',
        "ops/numpy.py": '''
            from torchkeras.api_export import keras_export
            _NS = "keras.ops"

            def _export(name):
                return keras_export(f"{_NS}.{name}", f"keras.ops.numpy.{name}")

            def _define(name, doc=""):
                def impl(x):
                    return x
                return _export(name)(impl)

            @_export("add")
            def add(x, y):
                return x + y

            exp = _define("exp")
            keras_export("keras.ops.absolute")(add)
            alias = keras_export("keras.ops.alias", "keras.src.ops.Internal")(add)

            def dynamic(cls):
                keras_export(f"keras.src.ops.{cls.__name__}")(cls)  # internal, inside a function: not public
        ''',
    })
    namespaces, virtual = api_gen.build_table(root)
    assert namespaces["keras.layers"]["Dense"] == "torchkeras.layers.dense:Dense"
    assert namespaces["keras.layers"]["experimental"] == "torchkeras.layers.experimental"
    assert namespaces["keras.layers.experimental"] == {"Dense": "torchkeras.layers.dense:Dense"}
    assert namespaces["keras.ops"] == {
        "absolute": "torchkeras.ops.numpy:add", "add": "torchkeras.ops.numpy:add",
        "alias": "torchkeras.ops.numpy:alias", "exp": "torchkeras.ops.numpy:exp", "numpy": "torchkeras.ops.numpy",
    }
    assert namespaces["keras.ops.numpy"] == {"add": "torchkeras.ops.numpy:add", "exp": "torchkeras.ops.numpy:exp"}
    assert namespaces["keras"] == {"layers": "torchkeras.layers", "ops": "torchkeras.ops"}
    assert virtual == ["keras.layers.experimental", "keras.ops"]  # torchkeras/ops has no __init__.py here
    assert not any(ns.startswith("keras.src") for ns in namespaces)


@pytest.mark.parametrize("source, message", [
    ('for n in ["a"]:\n    keras_export(f"keras.x.{n}")(f)\n', "inside a module-level `for` block"),
    ('if True:\n    @keras_export("keras.x.f")\n    def f():\n        pass\n', "inside a module-level `if` block"),
    ('P = compute()\n@keras_export(P)\ndef f():\n    pass\n', "cannot read the export path `P` statically"),
    ('@keras_export("keras.x.f")\ndef f():\n    pass\n@keras_export("keras.x.f")\ndef g():\n    pass\n',
     "`keras.x.f` is exported twice"),
    ('keras_export("keras.x.f")(make())\n', "needs a module-level name"),
    ('@keras_export("keras.x.f")\ndef f():\n    pass\n@keras_export("keras.x.f.g")\ndef g():\n    pass\n',
     "both a public object"),
])
def test_unreadable_or_conflicting_exports_are_refused_with_the_place(tmp_path, source, message):
    root = _tree(tmp_path, {"x.py": "from torchkeras.api_export import keras_export\n" + source})
    with pytest.raises(api_gen.ExportError, match=message) as info:
        api_gen.build_table(root)
    assert "torchkeras/x.py:" in str(info.value) or "both a public object" in message


def test_check_mode_reports_a_stale_table_with_the_command(tmp_path):
    root = _tree(tmp_path, {"x.py": 'from torchkeras.api_export import keras_export\n'
                                    '@keras_export("keras.x.f")\ndef f():\n    pass\n'})
    run = [sys.executable, "-m", "torchkeras.api_gen", "--root", root]
    env = {**os.environ, "PYTHONPATH": os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))}
    stale = subprocess.run(run + ["--check"], capture_output=True, text=True, env=env, timeout=120)
    assert stale.returncode == 1 and "python -m torchkeras.api_gen" in stale.stderr
    written = subprocess.run(run, capture_output=True, text=True, env=env, timeout=120)
    assert written.returncode == 0
    assert "'f': 'torchkeras.x:f'" in (tmp_path / "torchkeras" / "_api_table.py").read_text()
    fresh = subprocess.run(run + ["--check"], capture_output=True, text=True, env=env, timeout=120)
    assert fresh.returncode == 0
