"""`keras.datasets`: small ready-made datasets, downloaded once into `~/.keras/datasets` (or `$KERAS_HOME`)."""
from torchkeras.datasets import boston_housing
from torchkeras.datasets import california_housing
from torchkeras.datasets import cifar10
from torchkeras.datasets import cifar100
from torchkeras.datasets import fashion_mnist
from torchkeras.datasets import imdb
from torchkeras.datasets import mnist
from torchkeras.datasets import reuters

__all__ = ["boston_housing", "california_housing", "cifar10", "cifar100", "fashion_mnist", "imdb", "mnist",
           "reuters"]
