"""Keras 2 style: `Dense(5, input_dim=2)`, a separate `Activation`, plain SGD and mean squared error."""
import numpy as np

import torchkeras as keras
from torchkeras.layers import Activation, Dense
from torchkeras.models import Sequential

keras.utils.set_random_seed(0)
x = np.random.uniform(-1, 1, size=(512, 2)).astype("float32")
y = (x[:, :1] * x[:, 1:] > 0).astype("float32")  # XOR of the signs

model = Sequential()
model.add(Dense(5, input_dim=2))
model.add(Activation("tanh"))
model.add(Dense(1))
model.add(Activation("sigmoid"))
model.compile(optimizer="sgd", loss="mse", metrics=["accuracy"])
model.fit(x, y, epochs=40, batch_size=8, verbose=2)
print("loss, accuracy:", model.evaluate(x, y, verbose=0))
print(model.predict(np.array([[0.5, 0.5], [-0.5, 0.5]], dtype="float32"), verbose=0))
