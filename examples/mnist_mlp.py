"""The classic first Keras tutorial: an MLP on MNIST-shaped data (28x28 grey images, 10 classes).

Uses the real MNIST from the Keras cache (~/.keras/datasets/mnist.npz) when it is there; offline, it uses
scikit-learn's bundled digits scaled up to 28x28, so the script runs anywhere.
"""
import numpy as np

import torchkeras as keras
from torchkeras.layers import Dense, Dropout
from torchkeras.models import Sequential
from torchkeras.utils import to_categorical


def load_data():
    try:
        return keras.datasets.mnist.load_data()
    except Exception:  # noqa: BLE001 - offline: MNIST-shaped stand-in
        from sklearn.datasets import load_digits

        digits = load_digits()
        images = np.kron(digits.images, np.ones((1, 4, 4)))[:, 2:30, 2:30]
        images = np.pad(images, ((0, 0), (0, 0), (0, 0)))
        images = (images / 16.0 * 255).astype("uint8")
        n = 1500
        return (images[:n], digits.target[:n]), (images[n:], digits.target[n:])


keras.utils.set_random_seed(1)
(x_train, y_train), (x_test, y_test) = load_data()
x_train = x_train.reshape(len(x_train), 784).astype("float32") / 255
x_test = x_test.reshape(len(x_test), 784).astype("float32") / 255
y_train = to_categorical(y_train, 10)
y_test = to_categorical(y_test, 10)

model = Sequential()
model.add(Dense(512, activation="relu", input_shape=(784,)))
model.add(Dropout(0.2))
model.add(Dense(10, activation="softmax"))
model.summary()

model.compile(loss="categorical_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
history = model.fit(x_train, y_train, batch_size=128, epochs=5, verbose=1, validation_data=(x_test, y_test))
score = model.evaluate(x_test, y_test, verbose=0)
print("Test loss:", score[0])
print("Test accuracy:", score[1])
predictions = model.predict(x_test[:5])
print("Predicted classes:", predictions.argmax(axis=1), "true:", y_test[:5].argmax(axis=1))
