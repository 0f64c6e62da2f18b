"""`keras.SymbolicScope`: the symbolic stage, the same state torchkeras's shape inference runs in."""
import torch

import torchkeras as keras
from torchkeras.backend import symbolic
from torchkeras.backend.symbolic_scope import get_symbolic_scope, in_symbolic_scope


def test_in_symbolic_scope_inside_and_restored_after():
    assert not in_symbolic_scope() and get_symbolic_scope() is None
    with keras.SymbolicScope() as outer:
        assert in_symbolic_scope() and symbolic.in_symbolic_scope()
        assert get_symbolic_scope() is outer
        with keras.SymbolicScope() as inner:
            assert get_symbolic_scope() is inner
            assert inner.original_scope is outer
        assert get_symbolic_scope() is outer
    assert not in_symbolic_scope() and get_symbolic_scope() is None


def test_restored_after_an_exception():
    try:
        with keras.SymbolicScope():
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert not in_symbolic_scope()


def test_shape_inference_is_the_symbolic_stage():
    seen = []

    class Probe(keras.layers.Layer):
        def call(self, x):
            seen.append((in_symbolic_scope(), get_symbolic_scope() is not None))
            return x * 2

    Probe()(keras.Input((3,)))
    assert seen[-1] == (True, True)
    Probe()(torch.ones(1, 3))
    assert seen[-1] == (False, False)


def test_inside_the_scope_layers_record_no_losses_and_seeds_do_not_advance():
    layer = keras.layers.Dense(2, activity_regularizer="l2")
    generator = keras.random.SeedGenerator(3)
    state = generator.state.numpy()
    with keras.SymbolicScope():
        layer(torch.ones(1, 4))
        keras.random.normal((2,), seed=generator)
    assert layer.losses == []
    assert (generator.state.numpy() == state).all()
    layer(torch.ones(1, 4))
    assert len(layer.losses) == 1
