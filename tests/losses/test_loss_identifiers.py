"""`keras.losses.get` / `serialize` / `deserialize`, Keras 2 names, and configs."""
import numpy as np
import pytest

import torchkeras.losses as L
from torchkeras.losses import resolve_crossentropy


@pytest.mark.parametrize("identifier, expected", [
    ("mse", "mean_squared_error"), ("MSE", "mean_squared_error"), ("mean_squared_error", "mean_squared_error"),
    ("mae", "mean_absolute_error"), ("mape", "mean_absolute_percentage_error"),
    ("MAPE", "mean_absolute_percentage_error"),
    ("msle", "mean_squared_logarithmic_error"), ("kld", "kl_divergence"), ("KLD", "kl_divergence"),
    ("bce", "binary_crossentropy"), ("binary_crossentropy", "binary_crossentropy"),
    ("sparse_categorical_crossentropy", "sparse_categorical_crossentropy"), ("huber", "huber"),
    ("log_cosh", "log_cosh"), ("hinge", "hinge"), ("ctc", "ctc"),
    # Keras 2 spellings that Keras 3 dropped
    ("logcosh", "log_cosh"), ("kullback_leibler_divergence", "kl_divergence"), ("huber_loss", "huber"),
    ("cosine_proximity", "cosine_similarity"),
])
def test_string_identifiers_give_functions(identifier, expected):
    fn = L.get(identifier)
    assert callable(fn) and fn.__name__ == expected


def test_class_names_give_instances():
    loss = L.get("BinaryCrossentropy")
    assert isinstance(loss, L.BinaryCrossentropy) and loss.name == "binary_crossentropy"
    assert isinstance(L.get("Huber"), L.Huber)


def test_objects_and_none_pass_through():
    loss = L.Huber(delta=2.0)
    assert L.get(loss) is loss
    assert L.get(L.mse) is L.mse
    assert L.get(None) is None


def test_unknown_identifier_error():
    with pytest.raises(ValueError, match="Could not interpret loss identifier: msee"):
        L.get("msee")
    with pytest.raises(ValueError, match="Could not interpret loss identifier: 3"):
        L.get(3)


def test_module_aliases():
    assert L.mse is L.MSE is L.mean_squared_error
    assert L.logcosh is L.log_cosh and L.kld is L.kl_divergence and L.huber_loss is L.huber


@pytest.mark.parametrize("loss", [
    L.MeanSquaredError(reduction="sum", name="m"), L.BinaryCrossentropy(from_logits=True, label_smoothing=0.1),
    L.CategoricalCrossentropy(axis=1), L.SparseCategoricalCrossentropy(ignore_class=0), L.Huber(delta=2.5),
    L.CosineSimilarity(axis=0), L.BinaryFocalCrossentropy(apply_class_balancing=True, alpha=0.4, gamma=3.0),
    L.CategoricalFocalCrossentropy(alpha=0.1), L.Dice(axis=-1), L.Tversky(alpha=0.2, beta=0.8), L.CTC(),
    L.Circle(gamma=10.0), L.CategoricalGeneralizedCrossEntropy(q=0.3),
])
def test_serialize_round_trip(loss):
    config = L.serialize(loss)
    assert config["module"] == "keras.losses" and config["class_name"] == type(loss).__name__
    rebuilt = L.deserialize(config)
    assert type(rebuilt) is type(loss)
    assert rebuilt.get_config() == loss.get_config()
    rng = np.random.default_rng(0)
    if isinstance(loss, (L.CTC, L.Circle, L.SparseCategoricalCrossentropy, L.CategoricalGeneralizedCrossEntropy)):
        return
    y, p = rng.uniform(size=(4, 3)).astype("float32"), rng.uniform(size=(4, 3)).astype("float32")
    np.testing.assert_allclose(rebuilt(y, p).numpy(), loss(y, p).numpy())


def test_keras2_config_dict():
    rebuilt = L.deserialize({"class_name": "BinaryCrossentropy",
                             "config": {"reduction": "auto", "name": "binary_crossentropy", "from_logits": True,
                                        "label_smoothing": 0.0, "axis": -1}})
    assert isinstance(rebuilt, L.BinaryCrossentropy) and rebuilt.from_logits
    assert L.get({"class_name": "MeanSquaredError", "config": {"name": "mse", "reduction": "sum"}}).reduction == "sum"


def test_deserialize_names():
    assert L.deserialize("mse") is L.mean_squared_error
    assert L.deserialize("logcosh") is L.log_cosh


def test_function_wrapper_config_round_trip():
    wrapper = L.LossFunctionWrapper(L.mean_absolute_error, reduction="sum", name="mae_sum")
    config = L.serialize(wrapper)
    assert config["class_name"] == "LossFunctionWrapper"
    assert config["module"] == "keras.src.losses.losses"  # where Keras 3 writes it
    rebuilt = L.deserialize(config)
    assert isinstance(rebuilt, L.LossFunctionWrapper) and rebuilt.fn is L.mean_absolute_error
    assert rebuilt.reduction == "sum" and rebuilt.name == "mae_sum"
    by_name = L.LossFunctionWrapper.from_config({"fn": "huber", "name": "h", "reduction": "sum", "delta": 0.5})
    assert by_name.fn is L.huber and by_name._fn_kwargs == {"delta": 0.5}
    assert L.serialize(L.MeanSquaredError())["module"] == "keras.losses"  # subclasses use their public path


def test_resolve_crossentropy_by_shapes():
    assert resolve_crossentropy(np.zeros((4, 1)), np.zeros((4, 1))) is L.binary_crossentropy
    assert resolve_crossentropy(np.zeros(4), np.zeros((4, 3))) is L.sparse_categorical_crossentropy
    assert resolve_crossentropy(np.zeros((4, 1)), np.zeros((4, 3))) is L.sparse_categorical_crossentropy
    assert resolve_crossentropy(np.zeros((4, 3)), np.zeros((4, 3))) is L.categorical_crossentropy
