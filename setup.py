"""torchkeras: the Keras API, running natively on PyTorch.

Install from this source tree (`pip install .`): the PyPI project named `torchkeras` is unrelated.
"""
import os

from setuptools import find_packages, setup

here = os.path.dirname(os.path.abspath(__file__))
version = {}
with open(os.path.join(here, "torchkeras", "version.py")) as f:
    exec(f.read(), version)

with open(os.path.join(here, "README.md"), encoding="utf-8") as f:
    long_description = f.read()

setup(
    name="torchkeras",
    version=version["__version__"],
    description="The Keras API, running natively on PyTorch",
    long_description=long_description,
    long_description_content_type="text/markdown",
    packages=find_packages(include=["torchkeras", "torchkeras.*"]),
    python_requires=">=3.9",
    install_requires=["torch>=2.1", "numpy", "h5py"],
    extras_require={
        "test": ["pytest", "keras==3.15.1", "tensorboard", "pyyaml", "scikit-learn", "matplotlib", "pydot", "pandas", "scipy"],
        "examples": ["scikit-learn", "matplotlib", "tensorboard"],
        "tensorboard": ["tensorboard"],
    },
    license="Apache-2.0",
    classifiers=[
        "Programming Language :: Python :: 3",
        "Framework :: Keras",
        "Topic :: Scientific/Engineering :: Artificial Intelligence",
    ],
)
