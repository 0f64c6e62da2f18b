"""String and categorical lookup layers: TextVectorization, StringLookup, IntegerLookup, Hashing."""
import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras.layers.preprocessing import string_hash

L = keras.layers
DOCS = ["The cat sat.", "the DOG sat!", "a cat, a dog"]

# Reference values of `tf.strings.to_hash_bucket_fast/strong(s, 2**63 - 1)` (the second with key=[1, 2]),
# printed by TensorFlow 2.21: published-algorithm test vectors for FarmHash Fingerprint64 and SipHash-2-4.
HASH_VECTORS = [
    ("", 1936946117179621456, 443797209252341628),
    ("a", 3694432073954588132, 5158252350249958646),
    ("hello", 3786372426573024489, 2957200328589801622),
    ("The quick brown fox", 8706065398841449446, 9189242512170367262),
    ("x" * 40, 7780224193200209045, 5231829118318405120),
    ("y" * 100, 7898120570302252548, 6704651231693548474),
]


@pytest.mark.parametrize("text,fast,strong", HASH_VECTORS)
def test_hash_functions_match_tensorflow_vectors(text, fast, strong):
    assert string_hash.fingerprint64(text) % (2**63 - 1) == fast
    assert string_hash.siphash(1, 2, text) % (2**63 - 1) == strong


def test_text_vectorization_int_mode():
    layer = L.TextVectorization()
    layer.adapt(DOCS)
    # Every word appears twice: ties are ordered by the token, largest first (as Keras does).
    assert layer.get_vocabulary() == ["", "[UNK]", "the", "sat", "dog", "cat", "a"]
    out = layer(["the bird sat", "cat"])
    assert out.dtype == torch.int64
    np.testing.assert_array_equal(out.cpu().numpy(), [[2, 1, 3], [5, 0, 0]])
    fixed = L.TextVectorization(vocabulary=["cat", "dog"], output_sequence_length=4)
    np.testing.assert_array_equal(fixed(np.array([["dog cat cat dog dog"], ["fish"]])).cpu().numpy(),
                                  [[3, 2, 2, 3], [1, 0, 0, 0]])
    assert fixed(keras.Input((1,), dtype="string")).shape == (None, 4)


def test_text_vectorization_modes_and_options():
    chars = L.TextVectorization(split="character", standardize=None)
    chars.adapt(["abca"])
    assert chars.get_vocabulary()[2] == "a"
    ngrams = L.TextVectorization(ngrams=2)
    ngrams.adapt(["x y z"])
    assert set(ngrams.get_vocabulary()[2:]) == {"x", "y", "z", "x y", "y z"}
    multi = L.TextVectorization(output_mode="multi_hot", vocabulary=["cat", "dog"])
    np.testing.assert_array_equal(multi(["dog dog fish"]).cpu().numpy(), [[1, 0, 1]])
    count = L.TextVectorization(output_mode="count", vocabulary=["cat", "dog"])
    np.testing.assert_array_equal(count(["dog dog fish"]).cpu().numpy(), [[1, 0, 2]])
    tfidf = L.TextVectorization(output_mode="tf_idf")
    tfidf.adapt(DOCS)
    out = tfidf(["cat cat"]).cpu().numpy()
    assert out.dtype == np.float32 and out.shape == (1, 6)
    custom = L.TextVectorization(standardize=lambda a: np.char.upper(a.astype(str)), split=lambda a: [s.split("-")
                                                                                                   for s in a])
    custom.adapt(["a-b", "b-c"])
    assert "B" in custom.get_vocabulary()
    with pytest.raises(ValueError, match="output_sequence_length"):
        L.TextVectorization(output_mode="count", output_sequence_length=3)
    with pytest.raises(ValueError, match="standardize"):
        L.TextVectorization(standardize="upper")
    with pytest.raises(RuntimeError, match="set the layer's vocabulary"):
        L.TextVectorization(output_mode="multi_hot")(["a"])


def test_text_vectorization_config_and_vectorized_training():
    layer = L.TextVectorization(max_tokens=20, output_sequence_length=5)
    layer.adapt(DOCS)
    clone = L.TextVectorization.from_config(layer.get_config())
    assert clone.get_config()["max_tokens"] == 20
    clone.set_vocabulary(layer.get_vocabulary())
    np.testing.assert_array_equal(clone(DOCS).cpu().numpy(), layer(DOCS).cpu().numpy())
    x = layer(np.array(DOCS * 4)).cpu().numpy()
    y = np.array([0, 1, 0] * 4, dtype="float32")
    model = keras.Sequential([keras.Input((5,), dtype="int64"), L.Embedding(20, 4), L.GlobalAveragePooling1D(),
                              L.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    assert len(model.fit(x, y, epochs=2, verbose=0).history["loss"]) == 2


def test_string_lookup():
    layer = L.StringLookup(vocabulary=["a", "b", "c"])
    out = layer(np.array([["a", "z"], ["c", "b"]]))
    assert out.dtype == torch.int64
    np.testing.assert_array_equal(out.cpu().numpy(), [[1, 0], [3, 2]])
    np.testing.assert_array_equal(layer(["b", "a"]).cpu().numpy(), [2, 1])
    np.testing.assert_array_equal(layer(np.array([b"c"])).cpu().numpy(), [3])
    inverse = L.StringLookup(vocabulary=["a", "b", "c"], invert=True)
    assert inverse(np.array([1, 3, 0, 7])) == ["a", "c", "[UNK]", "[UNK]"]
    masked = L.StringLookup(vocabulary=["a"], mask_token="")
    assert masked.get_vocabulary() == ["", "[UNK]", "a"]
    np.testing.assert_array_equal(masked(["", "a", "q"]).cpu().numpy(), [0, 2, 1])
    adapted = L.StringLookup(max_tokens=3)
    adapted.adapt(np.array(["x", "y", "y", "z", "z", "z"]))
    assert adapted.get_vocabulary() == ["[UNK]", "z", "y"]
    buckets = L.StringLookup(vocabulary=["a"], num_oov_indices=3)
    idx = buckets(["q", "r", "s", "a"]).cpu().numpy()
    assert idx[-1] == 3 and all(0 <= i < 3 for i in idx[:3])
    strict = L.StringLookup(vocabulary=["a"], num_oov_indices=0)
    with pytest.raises(ValueError, match="num_oov_indices=0"):
        strict(["b"])
    with pytest.raises(ValueError, match="repeated term"):
        L.StringLookup(vocabulary=["a", "a"])
    with pytest.raises(ValueError, match="Cannot adapt"):
        layer.adapt(["x"])
    with pytest.raises(ValueError, match="expects strings"):
        layer(torch.tensor([1]))
    multi = L.StringLookup(vocabulary=["a", "b"], output_mode="multi_hot")
    np.testing.assert_array_equal(multi(np.array([["a", "a"], ["b", "q"]])).cpu().numpy(), [[0, 1, 0], [1, 0, 1]])
    assert multi(keras.Input((2,), dtype="string")).shape == (None, 3)
    clone = L.StringLookup.from_config(layer.get_config())
    assert clone.get_vocabulary() == layer.get_vocabulary()


def test_string_lookup_vocabulary_file_and_assets(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("red\ngreen\nblue\n")
    layer = L.StringLookup(vocabulary=str(path))
    np.testing.assert_array_equal(layer(["blue", "pink"]).cpu().numpy(), [3, 0])
    adapted = L.StringLookup()
    adapted.adapt(["b", "a", "b"])
    adapted.save_assets(str(tmp_path))
    restored = L.StringLookup()
    restored.load_assets(str(tmp_path))
    assert restored.get_vocabulary() == adapted.get_vocabulary()
    with pytest.raises(ValueError, match="does not exist"):
        L.StringLookup(vocabulary=str(tmp_path / "missing.txt"))


def test_integer_lookup(device):
    layer = L.IntegerLookup(vocabulary=[12, 36, 1138, 42])
    x = torch.tensor([[12, 1138, 42], [42, 1000, 36]], device=device)
    out = layer(x)
    assert out.device.type == device and out.dtype == torch.int64
    np.testing.assert_array_equal(out.cpu().numpy(), [[1, 3, 4], [4, 0, 2]])
    inverse = L.IntegerLookup(vocabulary=[12, 36, 1138, 42], invert=True)
    np.testing.assert_array_equal(inverse(out).cpu().numpy(), [[12, 1138, 42], [42, -1, 36]])
    floormod = L.IntegerLookup(vocabulary=[5], num_oov_indices=2)
    np.testing.assert_array_equal(floormod(np.array([5, 6, 7, -1])).cpu().numpy(), [2, 0, 1, 1])
    masked = L.IntegerLookup(vocabulary=[5, 6], mask_token=0)
    np.testing.assert_array_equal(masked(np.array([0, 5, 9])).cpu().numpy(), [0, 2, 1])
    adapted = L.IntegerLookup(output_mode="count")
    adapted.adapt(np.array([[1, 2, 2], [3, 3, 3]]))
    assert adapted.get_vocabulary() == [-1, 3, 2, 1]
    np.testing.assert_array_equal(adapted(np.array([[3, 3, 9]])).cpu().numpy(), [[1, 2, 0, 0]])
    assert L.IntegerLookup(vocabulary=[1, 2]).get_config()["vocabulary"] == [1, 2]
    with pytest.raises(ValueError, match="vocabulary_dtype"):
        L.IntegerLookup(vocabulary_dtype="int32")
    with pytest.raises(ValueError, match="salt"):
        L.IntegerLookup(salt=3)


def test_hashing():
    layer = L.Hashing(num_bins=5)
    out = layer(np.array([["a"], ["b"]]))
    assert out.dtype == torch.int64
    np.testing.assert_array_equal(out.cpu().numpy(),
                                  [[string_hash.fingerprint64("a") % 5], [string_hash.fingerprint64("b") % 5]])
    ints = layer(np.array([[1], [22]]))
    np.testing.assert_array_equal(ints.cpu().numpy()[:, 0], [string_hash.fingerprint64("1") % 5,
                                                             string_hash.fingerprint64("22") % 5])
    masked = L.Hashing(num_bins=4, mask_value="")
    out = masked(["", "x"]).cpu().numpy()
    assert out[0] == 0 and 1 <= out[1] < 4
    salted = L.Hashing(num_bins=7, salt=3)
    np.testing.assert_array_equal(salted(["k"]).cpu().numpy(), [string_hash.siphash(3, 3, "k") % 7])
    one_hot = L.Hashing(num_bins=3, output_mode="one_hot")
    assert tuple(one_hot(np.array([["a"], ["b"]])).shape) == (2, 3)
    assert layer.get_config()["dtype"]["config"]["name"] == "int64"
    with pytest.raises(ValueError, match="num_bins"):
        L.Hashing(num_bins=0)
    with pytest.raises(ValueError, match="salt"):
        L.Hashing(num_bins=3, salt="x")
    assert L.Hashing(num_bins=3)(keras.Input((2,), dtype="string")).shape == (None, 2)
