"""`keras.callbacks.TorchLRScheduler`: torch learning-rate schedulers stepped by `fit`."""
import warnings

import numpy as np
import pytest
import torch

import torchkeras as keras
from . import helpers
from torchkeras.callbacks.torch_lr_scheduler import TorchLRScheduler


def compiled_model(optimizer_factory):
    model = helpers.functional_mlp()
    optimizer = optimizer_factory(model)
    model.compile(optimizer, keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model, optimizer


@pytest.mark.parametrize("optimizer_factory", [
    lambda model: torch.optim.SGD(model.parameters(), lr=0.8),
    lambda model: keras.optimizers.SGD(learning_rate=0.8),
], ids=["torch_sgd", "keras_sgd"])
def test_step_lr_per_epoch_logs_the_rate_of_each_epoch(optimizer_factory):
    model, optimizer = compiled_model(optimizer_factory)
    if isinstance(optimizer, keras.optimizers.Optimizer):
        optimizer.build(model.trainable_weights)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    x, y = helpers.classification_data(n=16)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "lr_scheduler.step() before optimizer.step()" warning
        history = model.fit(x, y, batch_size=8, epochs=5, verbose=0, callbacks=[TorchLRScheduler(scheduler)])
    np.testing.assert_allclose(history.history["learning_rate"], [0.8, 0.8, 0.4, 0.4, 0.2])
    assert float(np.asarray(model.optimizer.learning_rate)) == pytest.approx(0.2)  # 5 steps: 0.8 * 0.5 ** 2


def test_per_batch_stepping_follows_the_schedule_within_epochs():
    model, optimizer = compiled_model(lambda m: torch.optim.SGD(m.parameters(), lr=1.0))
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1.0 / (1 + step))
    seen = []
    probe = keras.callbacks.LambdaCallback(
        on_train_batch_begin=lambda batch, logs: seen.append(optimizer.param_groups[0]["lr"]))
    x, y = helpers.classification_data(n=32)
    model.fit(x, y, batch_size=8, epochs=2, verbose=0, callbacks=[probe, TorchLRScheduler(scheduler, "batch")])
    np.testing.assert_allclose(seen, [1.0 / (1 + i) for i in range(8)])
    assert scheduler.last_epoch == 8


def test_fit_matches_a_torch_loop_with_one_cycle():
    x, y = helpers.classification_data(n=32)
    model, twin = helpers.functional_mlp(), helpers.functional_mlp()
    twin.set_weights(model.get_weights())
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.5, total_steps=8)
    model.compile(opt, keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0, callbacks=[TorchLRScheduler(sched, "batch")])
    twin_opt = torch.optim.SGD(twin.parameters(), lr=0.1, momentum=0.9)
    twin_sched = torch.optim.lr_scheduler.OneCycleLR(twin_opt, max_lr=0.5, total_steps=8)
    xt, yt = torch.tensor(x), torch.tensor(y)
    for _ in range(2):
        for start in range(0, 32, 8):
            twin_opt.zero_grad()
            torch.nn.functional.cross_entropy(twin(xt[start:start + 8], training=True), yt[start:start + 8]).backward()
            twin_opt.step()
            twin_sched.step()
    for a, b in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_plateau_scheduler_receives_the_monitored_value():
    # A learning rate too small to change the loss: it plateaus from the first epoch on.
    model, optimizer = compiled_model(lambda m: torch.optim.SGD(m.parameters(), lr=1e-6))
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=0)
    x, y = helpers.classification_data(n=16)
    callback = TorchLRScheduler(scheduler)
    assert callback.takes_metrics
    history = model.fit(x, y, batch_size=8, epochs=3, verbose=0, validation_data=(x, y), callbacks=[callback])
    assert scheduler.best == pytest.approx(history.history["val_loss"][0])
    # Epoch 1 sets the best value, epoch 2 does not improve it: the rate halves for epoch 3.
    np.testing.assert_allclose(history.history["learning_rate"], [1e-6, 1e-6, 5e-7])


def test_plateau_scheduler_falls_back_to_the_training_loss_and_warns_on_missing_monitor():
    model, optimizer = compiled_model(lambda m: torch.optim.SGD(m.parameters(), lr=0.1))
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, patience=5)
    x, y = helpers.classification_data(n=16)
    history = model.fit(x, y, batch_size=8, epochs=1, verbose=0, callbacks=[TorchLRScheduler(scheduler)])
    assert scheduler.best == pytest.approx(history.history["loss"][0])
    with pytest.warns(UserWarning, match="`val_accuracy`, which is not available"):
        model.fit(x, y, batch_size=8, epochs=1, verbose=0,
                  callbacks=[TorchLRScheduler(scheduler, monitor="val_accuracy")])


def test_validation_of_arguments():
    model, optimizer = compiled_model(lambda m: torch.optim.SGD(m.parameters(), lr=0.1))
    with pytest.raises(ValueError, match="`step_every` must be 'epoch' or 'batch'"):
        TorchLRScheduler(torch.optim.lr_scheduler.StepLR(optimizer, 1), step_every="step")
    with pytest.raises(TypeError, match="torch learning-rate scheduler"):
        TorchLRScheduler(0.1)
    other = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    x, y = helpers.classification_data(n=8)
    with pytest.raises(ValueError, match="not the model's"):
        model.fit(x, y, verbose=0, callbacks=[TorchLRScheduler(torch.optim.lr_scheduler.StepLR(other, 1))])


def test_exported_in_the_callbacks_namespace_when_registered():
    from torchkeras.api_export import get_exported

    assert get_exported("keras.callbacks.TorchLRScheduler") is TorchLRScheduler
