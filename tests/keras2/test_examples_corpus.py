"""The classic Keras 2 example programs run unchanged on torchkeras (the acceptance corpus of issue 10).

The examples are not part of this repository: set `KERAS2_EXAMPLES_DIR` to a folder with the files of
keras-team/keras at 1a3ee84, `examples/` (`python tests/keras2/keras2_examples.py --git <clone>` exports
them). Without it these tests skip. Each example runs in its own process, a few steps of one epoch on
synthetic data (see keras2_examples.py), so the whole corpus takes minutes.
"""
import importlib.util
import os

import pytest

_HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("keras2_examples", os.path.join(_HERE, "keras2_examples.py"))
runner = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(runner)

# Examples that need a third-party package the example itself imports (not torchkeras).
NEEDS = {"image_ocr": ("cairocffi", "editdistance"), "class_activation_maps": ("cv2",),
         "mnist_sklearn_wrapper": ("sklearn",), "variational_autoencoder": ("pydot",),
         "variational_autoencoder_deconv": ("pydot",), "addition_rnn": ("six",)}
# Examples that need parts of torchkeras other issues build (skipped until they land).
NEEDS_MODULE = {"class_activation_maps": "torchkeras.applications", "conv_filter_visualization":
                "torchkeras.applications", "deep_dream": "torchkeras.applications",
                "neural_doodle": "torchkeras.applications", "neural_style_transfer": "torchkeras.applications",
                "mnist_sklearn_wrapper": "torchkeras.wrappers"}

# Known failures, with the reason.
KNOWN = {"class_activation_maps": "looks up `activation_49` and `fc1000`, the layer names of keras_applications "
                                  "1.0.8's ResNet50; Keras 3's ResNet50 (torchkeras's too) names them "
                                  "`conv5_block3_out` and `predictions`"}


@pytest.mark.parametrize("name", runner.EXAMPLES)
def test_keras2_example_runs(name):
    directory = runner.examples_dir()
    if directory is None:
        pytest.skip("the Keras 2 examples are not present (set KERAS2_EXAMPLES_DIR)")
    for package in NEEDS.get(name, ()):
        pytest.importorskip(package)
    module = NEEDS_MODULE.get(name)
    if module is not None and importlib.util.find_spec(module) is None:
        pytest.skip(f"{name} needs {module} (another issue)")
    if name in KNOWN:
        pytest.xfail(KNOWN[name])
    ok, seconds, output = runner.run_with_prerequisites(name, directory)
    assert ok, f"{name} failed after {seconds:.0f}s:\n{output}"


def test_the_runner_maps_keras_to_torchkeras_module_by_module():
    import sys

    finder = runner.KerasAlias()
    sys.meta_path.insert(0, finder)
    try:
        saved = {k: sys.modules.pop(k) for k in list(sys.modules) if k == "keras" or k.startswith("keras.")}
        import keras.layers  # noqa: F401 - through the alias

        import torchkeras.layers

        assert sys.modules["keras.layers"] is torchkeras.layers
        assert torchkeras.layers.__spec__.name == "torchkeras.layers"
        with pytest.raises(ModuleNotFoundError, match="torchkeras has no"):
            importlib.import_module("keras.no_such_module")
    finally:
        sys.meta_path.remove(finder)
        for k in [k for k in sys.modules if k == "keras" or k.startswith("keras.")]:
            del sys.modules[k]
        sys.modules.update(saved)
