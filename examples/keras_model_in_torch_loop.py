"""A Keras model trained from a plain PyTorch training loop.

A torchkeras model is a `torch.nn.Module`: it takes and returns torch tensors with autograd, its
`parameters()` go to any torch optimizer, `model.train()`/`model.eval()` switch Dropout and
BatchNormalization, and `state_dict()` is keyed by the Keras weight paths.
"""
import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset

import torchkeras as keras
from torchkeras import layers

torch.manual_seed(0)
device = "cuda" if torch.cuda.is_available() else "cpu"

rng = np.random.default_rng(0)
x = rng.normal(size=(4096, 20)).astype("float32")
w = rng.normal(size=(20, 3)).astype("float32")
y = (x @ w).argmax(axis=1)
train = DataLoader(TensorDataset(torch.tensor(x[:3584]), torch.tensor(y[:3584])), batch_size=128, shuffle=True)
test_x, test_y = torch.tensor(x[3584:]).to(device), torch.tensor(y[3584:]).to(device)

model = keras.Sequential([
    keras.Input((20,)),
    layers.Dense(64, activation="relu"),
    layers.BatchNormalization(),
    layers.Dropout(0.2),
    layers.Dense(3),  # logits
]).to(device)
optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=5)
loss_fn = torch.nn.CrossEntropyLoss()

for epoch in range(5):
    model.train()  # Dropout on, BatchNormalization uses and updates batch statistics
    total = 0.0
    for xb, yb in train:
        xb, yb = xb.to(device), yb.to(device)
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(xb)
    scheduler.step()
    model.eval()
    with torch.no_grad():
        accuracy = (model(test_x).argmax(dim=1) == test_y).float().mean().item()
    print(f"epoch {epoch + 1}: loss {total / 3584:.4f} - test accuracy {accuracy:.3f}")

# The state dict is keyed by the Keras weight paths, one entry per weight.
print(list(model.state_dict().keys()))
torch.save(model.state_dict(), "keras_model_state.pt")

# The same weights work with Keras's own API too.
model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
print("Keras evaluate:", model.evaluate(test_x, test_y, verbose=0))
