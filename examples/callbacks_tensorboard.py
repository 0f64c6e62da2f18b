"""Watching and feeding training: EarlyStopping, ModelCheckpoint, ReduceLROnPlateau, CSVLogger and TensorBoard
on scikit-learn's bundled handwritten digits (no download), then the curves drawn with `plot_history`.

    python examples/callbacks_tensorboard.py [output_dir]     # default: ./callbacks_example
    tensorboard --logdir callbacks_example/logs                # to look at the logs (needs only `tensorboard`)

Writes: logs/train and logs/validation (TensorBoard event files), best.keras (the best model),
training.csv, history.png.
"""
import os
import sys

import matplotlib

matplotlib.use("Agg")  # no display needed

import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

import torchkeras as keras  # noqa: E402
from torchkeras import layers  # noqa: E402
from torchkeras.utils.plot_history import plot_history  # noqa: E402  (also `keras.utils.plot_history`)

output_dir = sys.argv[1] if len(sys.argv) > 1 else "callbacks_example"
os.makedirs(output_dir, exist_ok=True)
keras.utils.set_random_seed(7)

digits = load_digits()
x = (digits.data / 16.0).astype("float32")
y = digits.target.astype("int64")
x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, random_state=0)

model = keras.Sequential(
    [
        keras.Input(shape=(64,)),
        layers.Dense(128, activation="relu"),
        layers.Dropout(0.3),
        layers.Dense(64, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ],
    name="digits_mlp",
)
model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])

callbacks = [
    # Stop when the validation loss has not improved for 3 epochs, and keep the best weights.
    keras.callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True, verbose=1),
    # Save the model each time the validation accuracy reaches a new best.
    keras.callbacks.ModelCheckpoint(os.path.join(output_dir, "best.keras"), monitor="val_accuracy",
                                    save_best_only=True, verbose=1),
    # Halve the learning rate after 2 epochs without progress (adds `learning_rate` to the logs).
    keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=2, verbose=1),
    keras.callbacks.CSVLogger(os.path.join(output_dir, "training.csv")),
    # Scalars per epoch and every 10 batches, weight histograms every 5 epochs, the model graph.
    keras.callbacks.TensorBoard(log_dir=os.path.join(output_dir, "logs"), histogram_freq=5, update_freq=10),
]
history = model.fit(x_train, y_train, batch_size=32, epochs=30, validation_split=0.15, callbacks=callbacks,
                    verbose=2)

loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
print(f"Stopped after {len(history.epoch)} epochs. Test loss: {loss:.4f} - test accuracy: {accuracy:.4f}")

best = keras.models.load_model(os.path.join(output_dir, "best.keras"))
best_accuracy = best.evaluate(x_test, y_test, verbose=0)[1]
print(f"Best checkpoint (highest val_accuracy) test accuracy: {best_accuracy:.4f}")

figure = plot_history(history, to_file=os.path.join(output_dir, "history.png"), title="digits MLP")
print(f"Plotted {', '.join(ax.get_title() for ax in figure.axes if ax.get_visible())} to "
      f"{os.path.join(output_dir, 'history.png')}")
print(f"TensorBoard logs: tensorboard --logdir {os.path.join(output_dir, 'logs')}")
np.testing.assert_array_less(0.9, accuracy)  # the example doubles as a smoke test
