"""SparseCategoricalCrossentropy: label shapes, `ignore_class`, and clear errors for labels out of range."""
import numpy as np
import pytest
import torch

import torchkeras.losses as L


def _probs(shape, seed=0):
    p = np.random.default_rng(seed).uniform(0.05, 1.0, size=shape).astype("float32")
    return p / p.sum(-1, keepdims=True)


def test_flat_column_and_float_labels_agree():
    p = _probs((5, 3))
    labels = np.array([0, 2, 1, 1, 0])
    expected = -np.log(p[np.arange(5), labels])
    for y in (labels, labels.reshape(5, 1), labels.astype("float32")):
        np.testing.assert_allclose(L.SparseCategoricalCrossentropy(reduction="none")(y, p).numpy(), expected,
                                   rtol=1e-6)


def test_ignore_class_masks_those_positions():
    p = _probs((2, 4, 3))
    labels = np.array([[0, 2, -1, -1], [1, 1, 2, -1]])
    per_step = L.sparse_categorical_crossentropy(labels, p, ignore_class=-1)
    valid = labels != -1
    assert per_step._keras_mask.dtype == torch.bool
    np.testing.assert_array_equal(per_step._keras_mask.numpy(), valid)
    assert np.all(per_step.numpy()[~valid] == 0)
    nll = -np.log(p[np.arange(2)[:, None], np.arange(4)[None, :], np.where(valid, labels, 0)])
    got = L.SparseCategoricalCrossentropy(ignore_class=-1)(labels, p)
    np.testing.assert_allclose(got.numpy(), nll[valid].mean(), rtol=1e-6)  # the mean is over valid labels


def test_ignore_class_keeps_gradients_finite():
    logits = torch.tensor(np.random.default_rng(1).normal(size=(4, 3)).astype("float32"), requires_grad=True)
    probs = torch.softmax(logits, -1)
    L.SparseCategoricalCrossentropy(ignore_class=2)(np.array([0, 2, 1, 2]), probs).backward()
    assert torch.isfinite(logits.grad).all()
    assert torch.all(logits.grad[[1, 3]] == 0)


def test_label_out_of_range_names_label_and_classes():
    p = _probs((4, 3))
    with pytest.raises(IndexError, match=r"Target 5 is out of bounds.*\[0, 3\).*3 classes"):
        L.SparseCategoricalCrossentropy()(np.array([0, 1, 5, 2]), p)
    with pytest.raises(IndexError, match="Target -1 is out of bounds"):
        L.sparse_categorical_crossentropy(np.array([0, -1, 2, 2]), p, from_logits=True)
    with pytest.raises(IndexError, match="Target -100 is out of bounds"):  # torch's ignore_index is not a label
        L.sparse_categorical_crossentropy(np.array([0, -100, 2, 2]), p)


def test_labels_are_checked_once_on_the_first_batch(device):
    p = torch.tensor(_probs((4, 3)), device=device)
    loss = L.SparseCategoricalCrossentropy()
    with pytest.raises(IndexError, match="Target 3 is out of bounds"):
        loss(torch.tensor([0, 3, 1, 1], device=device), p)
    loss = L.SparseCategoricalCrossentropy()
    loss(torch.tensor([0, 2, 1, 1], device=device), p)
    assert loss._inputs_checked


def test_shape_mismatch_error():
    with pytest.raises(ValueError, match="must have the same shape up until the last dimension"):
        L.sparse_categorical_crossentropy(np.zeros((4, 2)), _probs((4, 3)))


def test_large_integer_labels_are_not_rounded():
    num_classes = 2**24 + 3
    logits = torch.zeros(1, num_classes)
    logits[0, num_classes - 1] = 10.0
    loss = L.sparse_categorical_crossentropy(np.array([num_classes - 1]), logits, from_logits=True)
    expected = torch.nn.functional.cross_entropy(logits, torch.tensor([num_classes - 1]))
    np.testing.assert_allclose(loss.numpy(), [expected.item()], rtol=1e-6)


def test_shape_inference_on_fake_tensors_skips_the_label_check():
    from torch._subclasses.fake_tensor import FakeTensorMode

    loss = L.SparseCategoricalCrossentropy()
    with FakeTensorMode():
        assert loss(torch.zeros(4, dtype=torch.long), torch.ones(4, 3)).shape == ()
    assert not loss._inputs_checked  # the first real batch is still checked
    with pytest.raises(IndexError, match="Target 7 is out of bounds"):
        loss(np.array([0, 1, 7, 2]), _probs((4, 3)))


def test_ignore_class_may_lie_outside_the_classes():
    p = _probs((4, 3))
    got = L.SparseCategoricalCrossentropy(ignore_class=9)(np.array([0, 9, 1, 2]), p)
    expected = -np.log(p[[0, 2, 3], [0, 1, 2]]).mean()
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-6)
