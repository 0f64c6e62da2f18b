"""Keras's stateless API side by side: `Layer.stateless_call`, `Trainer.stateless_compute_loss`,
`Optimizer.stateless_apply`, `Metric.stateless_*` and `keras.StatelessScope` give Keras's values and leave the
variables unchanged."""
import numpy as np
import torch

import keras

import torchkeras


def _model(lib):
    return lib.Sequential([lib.Input((4,)), lib.layers.Dense(5, activation="relu", kernel_regularizer="l2"),
                           lib.layers.BatchNormalization(), lib.layers.Dense(2)])


def _pair():
    k, t = _model(keras), _model(torchkeras)
    t.set_weights(k.get_weights())
    return k, t


def _np(values):
    return [np.asarray(v.detach().cpu() if isinstance(v, torch.Tensor) else v) for v in values]


def test_stateless_call_and_compute_loss_match_keras_and_change_nothing():
    x = np.random.default_rng(0).standard_normal((6, 4)).astype("float32")
    y = np.random.default_rng(1).standard_normal((6, 2)).astype("float32")
    k, t = _pair()
    for m, lib in ((k, keras), (t, torchkeras)):
        m.compile(lib.optimizers.SGD(0.1), "mse", metrics=["mae"])
    new_weights = [w * 0.5 for w in k.get_weights()]
    results = {}
    for name, m in (("keras", k), ("torchkeras", t)):
        before = [w.copy() for w in m.get_weights()]
        n_train = len(m.trainable_variables)
        order = {id(v): i for i, v in enumerate(m.weights)}
        train_values = [torch.tensor(new_weights[order[id(v)]]) for v in m.trainable_variables]
        non_train_values = [torch.tensor(new_weights[order[id(v)]]) for v in m.non_trainable_variables]
        out, non_train_after = m.stateless_call(train_values, non_train_values, torch.tensor(x), training=True)
        y_pred = out
        metrics_values = [torch.zeros(tuple(v.shape)) for v in m.metrics_variables]
        loss, (tv, ntv, mv) = m.stateless_compute_loss(train_values, non_train_values, metrics_values, x=x,
                                                        y=torch.tensor(y), y_pred=y_pred, training=True)
        results[name] = (out.detach().numpy(), _np(non_train_after), float(loss), n_train)
        for w0, w1 in zip(before, m.get_weights()):
            np.testing.assert_array_equal(w0, w1)  # nothing changed
    (ko, kn, kl, kc), (to, tn, tl, tc) = results["keras"], results["torchkeras"]
    assert kc == tc
    np.testing.assert_allclose(to, ko, rtol=1e-5, atol=1e-6)
    for a, b in zip(tn, kn):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)  # updated BatchNormalization statistics
    np.testing.assert_allclose(tl, kl, rtol=1e-5)


def test_stateless_call_is_differentiable_with_respect_to_the_given_values():
    t = _model(torchkeras)
    x = torch.randn(3, 4)
    given = [v.detach().clone().requires_grad_() for v in t.trainable_variables]
    out, _ = t.stateless_call(given, [v.detach().clone() for v in t.non_trainable_variables], x)
    out.sum().backward()
    assert all(g.grad is not None for g in given)
    assert all(v.grad is None for v in t.trainable_variables)
    out_ref = t(x)
    out_ref.sum().backward()
    for g, v in zip(given, t.trainable_variables):
        np.testing.assert_allclose(g.grad.numpy(), v.grad.numpy(), rtol=1e-6, atol=1e-7)


def test_optimizer_stateless_apply_matches_keras():
    rng = np.random.default_rng(3)
    w0 = rng.standard_normal((3, 2)).astype("float32")
    g = rng.standard_normal((3, 2)).astype("float32")
    out = {}
    for lib in (keras, torchkeras):
        v = lib.Variable(w0)
        opt = lib.optimizers.Adam(0.1)
        opt.build([v])
        opt_values = [torch.tensor(np.array(o.numpy())) for o in opt.variables]
        new_train, new_opt = opt.stateless_apply(opt_values, [torch.tensor(g)], [torch.tensor(w0 * 2)])
        np.testing.assert_array_equal(np.asarray(v.numpy()), w0)  # unchanged
        out[lib.__name__] = (_np(new_train), _np(new_opt))
    for a, b in zip(out["torchkeras"][0] + out["torchkeras"][1], out["keras"][0] + out["keras"][1]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_metric_stateless_api_matches_keras():
    y_true = np.array([[0.0], [1.0], [1.0]], "float32")
    y_pred = np.array([[0.2], [0.7], [0.4]], "float32")
    out = {}
    for lib in (keras, torchkeras):
        m = lib.metrics.MeanAbsoluteError()
        start = [torch.tensor(2.0), torch.tensor(4.0)]
        updated = m.stateless_update_state(start, y_true, y_pred)
        result = m.stateless_result(updated)
        reset = m.stateless_reset_state()
        assert float(np.asarray(m.result())) == 0.0  # the metric itself is untouched
        out[lib.__name__] = (_np(updated), float(result), _np(reset))
    k, t = out["keras"], out["torchkeras"]
    np.testing.assert_allclose(t[0], k[0], rtol=1e-6)
    np.testing.assert_allclose(t[1], k[1], rtol=1e-6)
    np.testing.assert_allclose(t[2], k[2])


def test_stateless_scope_maps_values_and_collects_updates():
    out = {}
    for lib in (keras, torchkeras):
        v = lib.Variable(np.ones((2,), "float32"))
        with lib.StatelessScope(state_mapping=[(v, np.full((2,), 3.0, "float32"))]) as scope:
            doubled = np.asarray(lib.ops.convert_to_numpy(v * 2))
            v.assign(v + 1.0)
        out[lib.__name__] = (doubled, np.asarray(lib.ops.convert_to_numpy(scope.get_current_value(v))),
                             np.asarray(v.numpy()))
    for a, b in zip(out["torchkeras"], out["keras"]):
        np.testing.assert_array_equal(a, b)
