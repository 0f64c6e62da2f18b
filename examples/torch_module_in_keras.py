"""A hand-written PyTorch residual block inside a Keras functional model, trained with `fit`.

`keras.layers.TorchModuleWrapper` turns any `torch.nn.Module` into a Keras layer: its output shape is
inferred by running it symbolically, its parameters are the layer's weights (trained by `fit`, counted by
`summary()`, saved by `save_weights`), and it runs in train mode during `fit` and in eval mode otherwise.
"""
import numpy as np
import torch
from torch import nn

import torchkeras as keras
from torchkeras import layers


class ResidualBlock(nn.Module):
    """Pure PyTorch: x + MLP(LayerNorm(x)), a pre-norm residual block."""

    def __init__(self, width, hidden, dropout=0.1):
        super().__init__()
        self.norm = nn.LayerNorm(width)
        self.fc1 = nn.Linear(width, hidden)
        self.fc2 = nn.Linear(hidden, width)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        h = self.fc2(self.dropout(torch.relu(self.fc1(self.norm(x)))))
        return x + h


keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)
x = rng.normal(size=(2048, 16)).astype("float32")
y = (np.sin(x[:, :4]).sum(axis=1) > 0).astype("int64")  # a non-linear two-class problem


def build_model():
    inputs = keras.Input((16,), name="features")
    h = layers.Dense(32, activation="relu", name="embed")(inputs)
    h = layers.TorchModuleWrapper(ResidualBlock(32, 64), name="residual_1")(h)
    h = layers.TorchModuleWrapper(ResidualBlock(32, 64), name="residual_2")(h)
    outputs = layers.Dense(2, activation="softmax", name="classifier")(h)
    return keras.Model(inputs, outputs, name="torch_blocks")


model = build_model()
model.summary()

model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = model.fit(x, y, batch_size=64, epochs=5, validation_split=0.2, verbose=2)
loss, accuracy = model.evaluate(x, y, verbose=0)
print(f"accuracy after training: {accuracy:.3f}")

# The torch module's weights are part of the model's weights file, keyed like its state_dict.
model.save_weights("torch_blocks.weights.h5")
restored = build_model()
restored.load_weights("torch_blocks.weights.h5")
np.testing.assert_allclose(restored.predict(x[:8], verbose=0), model.predict(x[:8], verbose=0), rtol=1e-6)
