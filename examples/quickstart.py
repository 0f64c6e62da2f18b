"""Quickstart: train an MLP on scikit-learn's bundled handwritten digits (no download), evaluate, save.

    python examples/quickstart.py
"""
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import torchkeras as keras
from torchkeras import layers

keras.utils.set_random_seed(42)

digits = load_digits()
x = (digits.data / 16.0).astype("float32")  # 1797 images of 8x8 pixels, flattened
y = keras.utils.to_categorical(digits.target, num_classes=10)
x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, random_state=0)

model = keras.Sequential(
    [
        keras.Input(shape=(64,)),
        layers.Dense(128, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense(64, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ],
    name="digits_mlp",
)
model.summary()
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
history = model.fit(x_train, y_train, batch_size=32, epochs=15, validation_split=0.1)

loss, accuracy = model.evaluate(x_test, y_test)
print(f"Test loss: {loss:.4f} - test accuracy: {accuracy:.4f}")

model.save("digits_mlp.h5")
restored = keras.models.load_model("digits_mlp.h5")
np.testing.assert_allclose(restored.predict(x_test[:16], verbose=0), model.predict(x_test[:16], verbose=0),
                           atol=1e-6)
print("Saved the model to digits_mlp.h5 and loaded it back: same predictions.")
