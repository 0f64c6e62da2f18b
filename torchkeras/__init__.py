"""torchkeras: the Keras API, running natively on PyTorch.

`import torchkeras as keras` and keep going: layers and models are `torch.nn.Module`s, training runs on
torch autograd and torch optimizers with Keras's exact math, and models read and write Keras files.

Every public name (`keras.layers.Dense`, `keras.ops.add`, ...) is resolved on first use from one generated
table (`torchkeras/_api_table.py`, written by `python -m torchkeras.api_gen` from the `@keras_export`
decorators), so `import torchkeras` imports almost nothing.
"""
from torchkeras.api_export import install_namespace_finder as _install_namespace_finder
from torchkeras.api_export import keras_export as _keras_export
from torchkeras.api_export import namespace as _namespace
from torchkeras.version import __version__


@_keras_export("keras.version")
def version():
    """The version of torchkeras, as a string."""
    return __version__


_install_namespace_finder()
# torchkeras's own sub-packages, beside Keras's namespaces: multi-process training, export, the training loops.
# Keras 2's `keras.engine` module path resolves too, without being advertised.
__getattr__, __dir__, __all__ = _namespace(
    __name__, submodules=("distribute", "export", "trainers"), internal={"engine": "torchkeras.engine"}
)
