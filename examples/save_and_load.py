"""Save and load a model in every Keras format, and resume training exactly where it stopped.

    python examples/save_and_load.py

Formats: `.keras` (Keras 3 archive), `.h5` (legacy Keras 2 HDF5 full model), `.weights.h5` (Keras 3
weights), `.h5` weights (Keras 2 layout), and JSON config + weights. Files written here load in real
Keras 3 (and the `.h5` ones in Keras 2); files written by Keras load here.
"""
import os
import tempfile

import numpy as np

import torchkeras as keras
from torchkeras import layers

keras.utils.set_random_seed(0)
rng = np.random.RandomState(0)
x = rng.rand(64, 10).astype("float32")
y = (x.sum(axis=1) > 5).astype("int64")


def build():
    inputs = keras.Input((10,), name="features")
    h = layers.Dense(16, activation="relu", name="hidden")(inputs)
    h = layers.BatchNormalization(name="bn")(h)
    outputs = layers.Dense(2, activation="softmax", name="probs")(h)
    model = keras.Model(inputs, outputs, name="classifier")
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


model = build()
model.fit(x, y, batch_size=16, epochs=2, verbose=0, shuffle=False)
expected = model.predict(x, verbose=0)
workdir = tempfile.mkdtemp()


def path(name):
    return os.path.join(workdir, name)


# 1. Whole model: architecture, weights, compile state and optimizer state.
for name in ("model.keras", "model.h5"):
    model.save(path(name))
    restored = keras.models.load_model(path(name))
    np.testing.assert_allclose(restored.predict(x, verbose=0), expected, atol=1e-6)
    print(f"{name:18s} reloaded: same predictions; optimizer at step {int(restored.optimizer.iterations.numpy())}")

# 2. Weights only, into a model built in code.
for name in ("weights.weights.h5", "weights_keras2.h5"):
    model.save_weights(path(name))
    fresh = build()
    fresh.load_weights(path(name))
    np.testing.assert_allclose(fresh.predict(x, verbose=0), expected, atol=1e-6)
    print(f"{name:18s} reloaded: same predictions")

# 3. Architecture as JSON, weights apart.
config_json = model.to_json()
rebuilt = keras.models.model_from_json(config_json)
rebuilt.load_weights(path("weights.weights.h5"))
np.testing.assert_allclose(rebuilt.predict(x, verbose=0), expected, atol=1e-6)
print("JSON + weights      reloaded: same predictions")

# 4. Resume training: the reloaded model continues exactly like the one that never stopped.
model.save(path("checkpoint.h5"))
resumed = keras.models.load_model(path("checkpoint.h5"))
model.fit(x, y, batch_size=16, epochs=1, verbose=0, shuffle=False)
resumed.fit(x, y, batch_size=16, epochs=1, verbose=0, shuffle=False)
for a, b in zip(model.get_weights(), resumed.get_weights()):
    np.testing.assert_allclose(a, b, atol=1e-6)
print("Training resumed from checkpoint.h5 matches uninterrupted training.")
print(f"Files are in {workdir}")
