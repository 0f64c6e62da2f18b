import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers
from torchkeras.layers.normalization import batch_normalization as bn_module


def _ref(x, axes, gamma, beta, eps=1e-3):
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * gamma + beta, mean, var


def _t(x, device="cpu"):
    return torch.tensor(x, device=device)


def test_weights_shapes_order_and_symbolic_shape():
    bn = layers.BatchNormalization()
    out = bn(keras.Input((5, 3)))
    assert out.shape == (None, 5, 3)
    assert [w.name for w in bn.weights] == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert [tuple(w.shape) for w in bn.weights] == [(3,)] * 4
    assert [w.name for w in bn.trainable_weights] == ["gamma", "beta"]
    assert [w.name for w in bn.non_trainable_weights] == ["moving_mean", "moving_variance"]
    assert list(bn.state_dict()) == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert not bn.moving_mean.requires_grad


def test_center_scale_false_drop_weights():
    bn = layers.BatchNormalization(center=False, scale=False)
    bn.build((None, 4))
    assert [w.name for w in bn.weights] == ["moving_mean", "moving_variance"]
    assert bn.gamma is None and bn.beta is None
    x = np.random.randn(6, 4).astype("float32")
    out = bn(_t(x), training=True).detach().numpy()
    np.testing.assert_allclose(out, _ref(x, 0, 1.0, 0.0)[0], atol=1e-5)


def test_training_output_and_moving_stats_follow_keras_formula(device):
    rng = np.random.RandomState(1)
    bn = layers.BatchNormalization(momentum=0.9)
    bn.build((None, 3))
    gamma, beta = rng.rand(3).astype("float32") + 0.5, rng.rand(3).astype("float32")
    bn.set_weights([gamma, beta, np.zeros(3, "float32"), np.ones(3, "float32")])
    mm, mv = np.zeros(3), np.ones(3)
    for _ in range(3):
        x = (rng.randn(8, 3) * 2 + 1).astype("float32")
        out = bn(_t(x, device), training=True).detach().cpu().detach().numpy()
        expected, mean, var = _ref(x, 0, gamma, beta)
        np.testing.assert_allclose(out, expected, atol=1e-5)
        mm = mm * 0.9 + mean.ravel() * 0.1
        mv = mv * 0.9 + var.ravel() * 0.1  # biased batch variance, like Keras
        np.testing.assert_allclose(bn.moving_mean.detach().cpu().detach().numpy(), mm, rtol=1e-5)
        np.testing.assert_allclose(bn.moving_variance.detach().cpu().detach().numpy(), mv, rtol=1e-5)


def test_inference_uses_moving_stats_and_does_not_update():
    bn = layers.BatchNormalization(epsilon=0.01)
    bn.build((None, 2))
    bn.set_weights([np.array([2.0, 1.0]), np.array([0.5, 0.0]), np.array([1.0, -1.0]), np.array([4.0, 0.25])])
    x = np.array([[3.0, 0.0], [1.0, 1.0]], "float32")
    for training in (None, False):
        out = bn(_t(x), training=training).detach().numpy()
        expected = (x - [1.0, -1.0]) / np.sqrt(np.array([4.0, 0.25]) + 0.01) * [2.0, 1.0] + [0.5, 0.0]
        np.testing.assert_allclose(out, expected, rtol=1e-6)
    np.testing.assert_allclose(bn.moving_mean.detach().numpy(), [1.0, -1.0])


def test_frozen_layer_runs_in_inference_mode_even_when_training():
    bn = layers.BatchNormalization()
    bn.build((None, 3))
    bn.trainable = False
    x = np.random.randn(5, 3).astype("float32") + 3
    out = bn(_t(x), training=True).detach().numpy()
    np.testing.assert_allclose(out, x / np.sqrt(1 + 1e-3), rtol=1e-6)
    np.testing.assert_allclose(bn.moving_mean.detach().numpy(), np.zeros(3))


@pytest.mark.parametrize("shape,axis", [((4, 3, 5), 1), ((2, 3, 4, 5), 1), ((2, 3, 4, 5), -1), ((2, 3, 4, 5), 2)])
def test_any_single_axis(shape, axis):
    x = np.random.randn(*shape).astype("float32")
    bn = layers.BatchNormalization(axis=axis)
    out = bn(_t(x), training=True).detach().numpy()
    axes = tuple(i for i in range(len(shape)) if i != axis % len(shape))
    np.testing.assert_allclose(out, _ref(x, axes, 1.0, 0.0)[0], atol=1e-5)
    assert tuple(bn.gamma.shape) == (shape[axis],)


def test_keras2_axis_list():
    bn = layers.BatchNormalization(axis=[3])
    assert bn.axis == 3 and bn.get_config()["axis"] == 3
    multi = layers.BatchNormalization(axis=[1, 2])
    x = np.random.randn(6, 3, 4).astype("float32")
    out = multi(_t(x), training=True).detach().numpy()
    assert tuple(multi.gamma.shape) == (1, 3, 4)
    np.testing.assert_allclose(out, _ref(x, (0,), 1.0, 0.0)[0], atol=1e-5)
    np.testing.assert_allclose(multi.moving_mean.detach().numpy(), 0.01 * x.mean(0, keepdims=True), rtol=1e-4,
                               atol=1e-7)
    assert multi.get_config()["axis"] == [1, 2]
    inference = multi(_t(x)).detach().numpy()
    np.testing.assert_allclose(inference, (x - multi.moving_mean.detach().numpy()) /
                               np.sqrt(multi.moving_variance.detach().numpy() + 1e-3), atol=1e-5)


def test_mask_leaves_masked_steps_out_of_statistics():
    rng = np.random.RandomState(0)
    x = rng.randn(3, 5, 2).astype("float32")
    mask = rng.rand(3, 5) > 0.4
    bn = layers.BatchNormalization()
    out = bn(_t(x), training=True, mask=torch.tensor(mask)).detach().numpy()
    kept = x[mask]
    mean, var = kept.mean(0), kept.var(0)
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 1e-3), atol=1e-5)
    np.testing.assert_allclose(bn.moving_mean.detach().numpy(), 0.01 * mean, rtol=1e-4)
    np.testing.assert_allclose(bn.moving_variance.detach().numpy(), 0.99 + 0.01 * var, rtol=1e-5)


def test_mask_from_masking_input_is_used_and_passed_on():
    x = torch.tensor(np.random.randn(2, 4, 3).astype("float32"))
    x._keras_mask = torch.tensor([[True, True, False, False], [True, True, True, False]])
    bn = layers.BatchNormalization()
    out = bn(x, training=True)
    assert torch.equal(out._keras_mask, x._keras_mask)
    kept = x.numpy()[x._keras_mask.numpy()]
    np.testing.assert_allclose(bn.moving_mean.detach().numpy(), 0.01 * kept.mean(0), rtol=1e-4)


def test_mask_rank_error():
    bn = layers.BatchNormalization()
    with pytest.raises(ValueError, match="one dimension less than the inputs"):
        bn(torch.zeros(2, 3, 4), training=True, mask=torch.ones(2, 3, 4, dtype=torch.bool))


def test_gradients_match_formula():
    rng = np.random.RandomState(3)
    x = rng.randn(6, 4).astype("float32")
    w = torch.tensor(rng.randn(6, 4).astype("float32"))
    bn = layers.BatchNormalization()
    xt = torch.tensor(x, requires_grad=True)
    (bn(xt, training=True) * w).sum().backward()
    xr = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    mean = xr.mean(0)
    var = ((xr - mean) ** 2).mean(0)
    ((xr - mean) / torch.sqrt(var + 1e-3) * w.double()).sum().backward()
    np.testing.assert_allclose(xt.grad.numpy(), xr.grad.numpy(), atol=1e-5)
    assert bn.gamma.grad is not None and bn.beta.grad is not None
    assert bn.moving_mean.grad is None


def test_single_sample_batch_trains():
    bn = layers.BatchNormalization(center=True)
    out = bn(torch.ones(1, 3) * 5, training=True)
    np.testing.assert_allclose(out.detach().numpy(), np.zeros((1, 3)), atol=1e-4)
    np.testing.assert_allclose(bn.moving_variance.detach().numpy(), np.full(3, 0.99), rtol=1e-6)


def test_outputs_come_in_the_compute_dtype():
    bn = layers.BatchNormalization()
    assert bn(torch.randn(4, 3).to(torch.bfloat16), training=True).dtype == torch.float32
    # Mixed policies compute in the variable dtype (torch.autocast lowers precision where it pays).
    mixed = layers.BatchNormalization(dtype="mixed_bfloat16")
    x = np.random.randn(6, 3).astype("float32")
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = mixed(torch.tensor(x).to(torch.bfloat16), training=True)
    assert out.dtype == torch.float32 and mixed.moving_mean.dtype == torch.float32
    np.testing.assert_allclose(out.detach().numpy(), _ref(x, 0, 1.0, 0.0)[0], atol=2e-2)


def test_renorm_one_step_matches_reference():
    rng = np.random.RandomState(0)
    x = rng.randn(8, 2).astype("float32") * 3 + 1
    bn = layers.BatchNormalization(renorm=True, renorm_clipping={"rmax": 1.5, "rmin": 0.5, "dmax": 0.2},
                                   renorm_momentum=0.9)
    out = bn(_t(x), training=True).detach().numpy()
    assert [w.name for w in bn.weights] == ["gamma", "beta", "moving_mean", "moving_variance", "moving_stddev",
                                            "renorm_mean", "renorm_stddev"]
    mean, var = x.mean(0), x.var(0)
    std = np.sqrt(var + 1e-3)
    r = np.clip(std / 1.0, 0.5, 1.5)
    d = np.clip(mean / 1.0, -0.2, 0.2)
    np.testing.assert_allclose(out, (x - mean) / std * r + d, atol=1e-5)
    np.testing.assert_allclose(bn.renorm_mean.detach().numpy(), 0.1 * mean, rtol=1e-5)
    new_std = 0.99 + 0.01 * std
    np.testing.assert_allclose(bn.moving_stddev.detach().numpy(), new_std, rtol=1e-6)
    np.testing.assert_allclose(bn.moving_variance.detach().numpy(), new_std ** 2 - 1e-3, rtol=1e-5)


def test_synchronized_statistics_with_a_process_group(tmp_path, monkeypatch):
    dist = torch.distributed
    if not dist.is_available():
        pytest.skip("torch.distributed is not available")
    store = dist.FileStore(str(tmp_path / "store"), 1)
    dist.init_process_group("gloo", store=store, rank=0, world_size=1)
    try:
        monkeypatch.setattr(bn_module, "_distributed_world", lambda: dist)
        x = np.random.randn(6, 3).astype("float32")
        synced = layers.BatchNormalization(synchronized=True)
        local = layers.BatchNormalization()
        xs = torch.tensor(x, requires_grad=True)
        xl = torch.tensor(x, requires_grad=True)
        synced(xs, training=True).pow(2).sum().backward()
        local(xl, training=True).pow(2).sum().backward()
        np.testing.assert_allclose(xs.grad.numpy(), xl.grad.numpy(), atol=1e-5)
        np.testing.assert_allclose(synced.moving_variance.detach().numpy(), local.moving_variance.detach().numpy(),
                                   rtol=1e-6)
    finally:
        dist.destroy_process_group()


def test_fit_updates_moving_statistics():
    model = keras.Sequential([keras.Input((3,)), layers.BatchNormalization(), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.rand(16, 3).astype("float32") + 2
    model.fit(x, np.zeros((16, 1), "float32"), epochs=1, batch_size=8, verbose=0)
    mean = model.layers[0].moving_mean.detach().cpu().detach().numpy()
    assert np.all(mean > 0.02)


def test_config_round_trip_and_keras2_config():
    bn = layers.BatchNormalization(axis=1, momentum=0.9, epsilon=1e-5, center=False, beta_regularizer="l2",
                                   gamma_constraint="non_neg", name="bn")
    config = bn.get_config()
    assert config["axis"] == 1 and config["renorm"] is False and config["synchronized"] is False
    assert layers.BatchNormalization.from_config(config).get_config() == config
    k2 = {"name": "bn2", "trainable": True, "dtype": "float32", "axis": [3], "momentum": 0.99, "epsilon": 0.001,
          "center": True, "scale": True, "beta_initializer": {"class_name": "Zeros", "config": {}},
          "gamma_initializer": {"class_name": "Ones", "config": {}},
          "moving_mean_initializer": {"class_name": "Zeros", "config": {}},
          "moving_variance_initializer": {"class_name": "Ones", "config": {}}, "beta_regularizer": None,
          "gamma_regularizer": None, "beta_constraint": None, "gamma_constraint": None}
    restored = layers.BatchNormalization.from_config(k2)
    assert restored.axis == 3 and restored.name == "bn2"
    assert layers.BatchNormalization(fused=True).axis == -1


def test_errors():
    with pytest.raises(ValueError, match="invalid keys for `renorm_clipping`"):
        layers.BatchNormalization(renorm=True, renorm_clipping={"rmaxx": 1})
    with pytest.raises(ValueError, match="rmax should be greater than rmin"):
        layers.BatchNormalization(renorm=True, renorm_clipping={"rmax": 1, "rmin": 2})
    with pytest.raises(ValueError, match="virtual_batch_size"):
        layers.BatchNormalization(virtual_batch_size=4)
    with pytest.raises(ValueError, match="out of bounds"):
        layers.BatchNormalization(axis=3).build((None, 4))
    with pytest.raises(ValueError, match="defined dimension"):
        layers.BatchNormalization().build((None, None))
    bn = layers.BatchNormalization()
    bn.build((None, 4))
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 4"):
        bn(torch.zeros(2, 5))
