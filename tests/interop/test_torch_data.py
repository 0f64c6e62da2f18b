"""fit / evaluate / predict on torch data: tensors (on any device), Datasets, DataLoaders, dict batches."""
import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, Dataset, TensorDataset
from torch.utils.data.distributed import DistributedSampler

import torchkeras as keras
from . import helpers


def regression_model():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.05), "mse", metrics=["mae"])
    return model


def twins():
    model, twin = regression_model(), regression_model()
    twin.set_weights(model.get_weights())
    return model, twin


def assert_same_weights(a, b):
    # Two training runs over the same batches: equal up to float32 rounding (kernels may differ with the
    # memory layout of each batch); a wrong batch or step differs by far more.
    for x, y in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6)


def test_tensors_on_the_device_train_like_numpy(device):
    x, y = helpers.regression_data()
    model, twin = twins()
    h1 = model.fit(torch.tensor(x, device=device), torch.tensor(y, device=device), batch_size=8, epochs=2,
                   shuffle=False, verbose=0)
    h2 = twin.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(h1.history["loss"], h2.history["loss"], rtol=1e-5)
    assert_same_weights(model, twin)
    logs = model.evaluate(torch.tensor(x, device=device), torch.tensor(y, device=device), verbose=0,
                          return_dict=True)
    assert logs == pytest.approx(twin.evaluate(x, y, verbose=0, return_dict=True), rel=1e-5)
    predictions = model.predict(torch.tensor(x, device=device), verbose=0)
    assert isinstance(predictions, np.ndarray) and predictions.shape == (32, 1)
    np.testing.assert_allclose(predictions, twin.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_dataset_and_dataloader_train_like_arrays():
    x, y = helpers.regression_data()
    dataset = TensorDataset(torch.tensor(x), torch.tensor(y))
    from_dataset, from_loader, from_arrays = regression_model(), regression_model(), regression_model()
    from_loader.set_weights(from_dataset.get_weights())
    from_arrays.set_weights(from_dataset.get_weights())
    from_dataset.fit(dataset, batch_size=8, epochs=2, shuffle=False, verbose=0)
    from_loader.fit(DataLoader(dataset, batch_size=8), epochs=2, verbose=0)
    from_arrays.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    assert_same_weights(from_dataset, from_arrays)
    assert_same_weights(from_loader, from_arrays)
    loader = DataLoader(dataset, batch_size=5)
    # Batches of 5 against batches of 32: BLAS picks kernels by batch size, so float32 results differ in
    # the last bits (5e-6 relative seen on other CPUs).
    assert from_loader.evaluate(loader, verbose=0) == pytest.approx(from_loader.evaluate(x, y, verbose=0), rel=1e-5)
    np.testing.assert_allclose(from_loader.predict(DataLoader(TensorDataset(torch.tensor(x)), batch_size=5),
                                                   verbose=0), from_loader.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_dataloader_with_a_distributed_sampler_trains_on_its_shard():
    x, y = helpers.regression_data()
    dataset = TensorDataset(torch.tensor(x), torch.tensor(y))
    sampler = DistributedSampler(dataset, num_replicas=2, rank=1, shuffle=True, seed=3)
    loader = DataLoader(dataset, batch_size=4, sampler=sampler)
    model, twin = twins()
    history = model.fit(loader, epochs=2, verbose=0)
    assert history.params["steps"] == 4  # 16 of the 32 samples per epoch
    # The same samples, in the same order (epoch 0 then epoch 1), as arrays:
    order = []
    for epoch in range(2):
        sampler.set_epoch(epoch)
        order.append(list(sampler))
    for epoch_indices in order:
        twin.fit(x[epoch_indices], y[epoch_indices], batch_size=4, epochs=1, shuffle=False, verbose=0)
    assert_same_weights(model, twin)


class DictDataset(Dataset):
    def __init__(self, x, y):
        self.x, self.y = x, y

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return {"dense_in": self.x[i, :3], "extra_in": self.x[i, 3:]}, self.y[i]


def dict_model():
    a = keras.Input((3,), name="dense_in")
    b = keras.Input((1,), name="extra_in")
    out = keras.layers.Dense(1)(keras.layers.Concatenate()([keras.layers.Dense(4)(a), b]))
    model = keras.Model({"dense_in": a, "extra_in": b}, out)
    model.compile(keras.optimizers.SGD(0.05), "mse")
    return model


def test_dict_batches_from_tensors_and_datasets():
    x, y = helpers.regression_data()
    model, twin = dict_model(), dict_model()
    twin.set_weights(model.get_weights())
    inputs = {"dense_in": torch.tensor(x[:, :3]), "extra_in": torch.tensor(x[:, 3:])}
    model.fit(inputs, torch.tensor(y), batch_size=8, epochs=2, shuffle=False, verbose=0)
    twin.fit(DataLoader(DictDataset(x, y), batch_size=8), epochs=2, verbose=0)
    assert_same_weights(model, twin)
    predictions = twin.predict(inputs, verbose=0)
    np.testing.assert_allclose(predictions, model.predict(inputs, verbose=0), rtol=1e-5, atol=1e-6)
    assert model.evaluate(DataLoader(DictDataset(x, y), batch_size=32), verbose=0) == pytest.approx(
        model.evaluate(inputs, torch.tensor(y), verbose=0), rel=1e-5)
