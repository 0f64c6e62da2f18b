"""The keras.io guides and examples run unchanged on torchkeras (small synthetic data, short fits).

Their sources are keras.io's and are not part of this repository: put a keras-io checkout's `guides/` and
`examples/` under `tests/keras_io/_src/` (or point `KERAS_IO_DIR` at a checkout). Without them every test here is
skipped (CI has no network). Each guide runs in its own process through `runner.py`; a cell may be skipped only
because it needs TensorFlow/TFDS/JAX, the network (pretrained weights), or a skipped cell's results.
"""
import importlib.util
import json
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("keras_io_runner", os.path.join(HERE, "runner.py"))
runner = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(runner)

ROOT = os.path.dirname(os.path.dirname(HERE))
ALLOWED_SKIPS = ("NeedsPackage: ", "NeedsInternet: ", "uses `")


@pytest.mark.parametrize("guide", sorted(runner.GUIDES))
def test_guide_runs_unchanged(guide, tmp_path):
    if not os.path.exists(os.path.join(runner.source_dir(), guide)):
        pytest.skip(f"{guide} is not present under {runner.source_dir()} (keras.io sources are not committed)")
    out = tmp_path / "result.json"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT, os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, os.path.join(HERE, "runner.py"), guide, "--json", str(out)],
                          env=env, capture_output=True, text=True, timeout=1500)
    assert out.exists(), proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(out.read_text())
    failed = [c for c in result["cells"] if c["status"] == "failed"]
    assert not failed, "\n\n".join(f"cell {c['cell']} (lines {c['lines']}):\n{c['traceback']}" for c in failed)
    for cell in result["cells"]:
        if cell["status"] == "skipped":
            assert cell["reason"].startswith(ALLOWED_SKIPS), cell
    assert any(c["status"] == "ok" for c in result["cells"])
