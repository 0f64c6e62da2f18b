"""The classic Keras MNIST convnet (keras.io "Simple MNIST convnet"), unchanged but for the import line.

Uses the real MNIST from the Keras cache (~/.keras/datasets/mnist.npz) when it is there; offline, it uses
scikit-learn's bundled digits scaled up to 28x28, so the script runs anywhere. Pass `--epochs N` to train
longer (default: 3, a quick run).
"""
import argparse

import numpy as np

import torchkeras as keras
from torchkeras import layers


def load_data():
    try:
        return keras.datasets.mnist.load_data()
    except Exception:  # noqa: BLE001 - offline: an MNIST-shaped stand-in
        from sklearn.datasets import load_digits

        digits = load_digits()
        images = np.kron(digits.images, np.ones((1, 4, 4)))[:, 2:30, 2:30]  # 8x8 -> 32x32 -> 28x28
        images = (images / 16.0 * 255).astype("uint8")
        n = 1500
        return (images[:n], digits.target[:n]), (images[n:], digits.target[n:])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()

    keras.utils.set_random_seed(1)
    num_classes = 10
    input_shape = (28, 28, 1)

    (x_train, y_train), (x_test, y_test) = load_data()
    # Scale images to the [0, 1] range and make sure they have shape (28, 28, 1).
    x_train = np.expand_dims(x_train.astype("float32") / 255, -1)
    x_test = np.expand_dims(x_test.astype("float32") / 255, -1)
    print("x_train shape:", x_train.shape)
    print(x_train.shape[0], "train samples")
    print(x_test.shape[0], "test samples")
    y_train = keras.utils.to_categorical(y_train, num_classes)
    y_test = keras.utils.to_categorical(y_test, num_classes)

    model = keras.Sequential([
        keras.Input(shape=input_shape),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(num_classes, activation="softmax"),
    ])
    model.summary()

    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=128, epochs=args.epochs, validation_split=0.1)

    score = model.evaluate(x_test, y_test, verbose=0)
    print("Test loss:", score[0])
    print("Test accuracy:", score[1])
    predictions = model.predict(x_test[:5], verbose=0)
    print("Predicted classes:", predictions.argmax(axis=1), "true:", y_test[:5].argmax(axis=1))


if __name__ == "__main__":
    main()
