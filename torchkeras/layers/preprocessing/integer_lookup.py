"""`keras.layers.IntegerLookup`: map integer values to contiguous indices (or back, with `invert=True`)."""
import numpy as np
import torch

from torchkeras.api_export import keras_export
from torchkeras.layers.preprocessing import string_hash
from torchkeras.layers.preprocessing.index_lookup import IndexLookup
from torchkeras.layers.preprocessing.tensor_inputs import to_tensor


@keras_export("keras.layers.IntegerLookup", "keras.layers.experimental.preprocessing.IntegerLookup")
class IntegerLookup(IndexLookup):
    """Map integer values (e.g. raw category ids) to indices through a vocabulary (given, or learnt with
    `adapt`). Runs as torch ops on the input's device. Unknown values go to the OOV index, or to
    `value % num_oov_indices` (`oov_method="floormod"`) or a FarmHash bucket (`"farmhash"`) when there are
    several OOV indices. `invert=True` maps indices back to values."""

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1, vocabulary=None,
                 vocabulary_dtype="int64", idf_weights=None, invert=False, output_mode="int", sparse=False,
                 pad_to_max_tokens=False, oov_method="floormod", salt=None, name=None, **kwargs):
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(
                "If `max_tokens` is set for `IntegerLookup`, it must be greater than 1. "
                f"Received: max_tokens={max_tokens}")
        if num_oov_indices < 0:
            raise ValueError(
                "The value of `num_oov_indices` argument for `IntegerLookup` must >= 0. "
                f"Received: num_oov_indices={num_oov_indices}")
        if vocabulary_dtype != "int64":
            raise ValueError(
                "Only `vocabulary_dtype='int64'` is supported at this time. "
                f"Received: vocabulary_dtype={vocabulary_dtype}")
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices, mask_token=mask_token,
                         oov_token=oov_token, vocabulary=vocabulary, vocabulary_dtype=vocabulary_dtype,
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode, sparse=sparse,
                         pad_to_max_tokens=pad_to_max_tokens, oov_method=oov_method, salt=salt, name=name, **kwargs)

    def _convert_token(self, token):
        return int(token)

    def _read_vocabulary_file(self, path):
        import os

        if not os.path.exists(path):
            raise ValueError(f"Vocabulary file {path} does not exist.")
        with open(path) as f:
            return [int(line) for line in f.read().splitlines() if line.strip()]

    def _batch_for_adapt(self, data):
        array = np.asarray(data.detach().cpu().numpy() if isinstance(data, torch.Tensor) else data)
        return array.reshape(-1, 1) if array.ndim == 1 else array

    def _table(self, device):
        cached = self._sorted_keys
        if cached is None or cached[0].device != device:
            keys = torch.tensor(self._tokens, dtype=torch.int64, device=device)
            values = torch.arange(len(self._tokens), dtype=torch.int64, device=device) + self._token_start_index()
            order = torch.argsort(keys)
            cached = self._sorted_keys = (keys[order], values[order])
        return cached

    def call(self, inputs):
        self.__dict__["_called"] = True
        x = to_tensor(inputs)
        if x.is_floating_point():
            x = x.long()
        x = x.long()
        if self.invert:
            return self._invert(x)
        self._ensure_known_vocab_size()
        keys, values = self._table(x.device)
        if keys.numel():
            pos = torch.searchsorted(keys, x).clamp(max=keys.numel() - 1)
            found = keys[pos] == x
            indices = torch.where(found, values[pos], torch.full_like(x, -1))
        else:
            found = torch.zeros_like(x, dtype=torch.bool)
            indices = torch.full_like(x, -1)
        indices = self._fill_oov(x, found, indices)
        if self.mask_token is not None:
            mask_value = 0 if self.output_mode == "int" else torch.iinfo(torch.int64).max
            indices = torch.where(x == int(self.mask_token), torch.full_like(indices, mask_value), indices)
        return self._encode(indices)

    def _fill_oov(self, x, found, indices):
        start = self._oov_start_index()
        if self.num_oov_indices == 1:
            return torch.where(found, indices, torch.full_like(indices, start))
        if self.num_oov_indices == 0:
            missing = ~found
            if self.mask_token is not None:
                missing &= x != int(self.mask_token)
            if bool(missing.any()):
                raise ValueError(
                    f"When `num_oov_indices=0` all inputs should be in vocabulary, found OOV values "
                    f"{x[missing].tolist()}, consider setting `num_oov_indices=1`.")
            return indices
        if self.oov_method == "farmhash":
            flat = x.detach().cpu().numpy().reshape(-1)
            buckets = torch.from_numpy(string_hash.hash_buckets([str(v) for v in flat], self.num_oov_indices,
                                                                self.salt).reshape(tuple(x.shape)))
            buckets = buckets.to(x.device)
        else:
            buckets = torch.remainder(x, self.num_oov_indices)
        return torch.where(found, indices, buckets + start)

    def _invert(self, indices):
        vocab = torch.tensor([int(v) for v in self.get_vocabulary()], dtype=torch.int64, device=indices.device)
        valid = (indices >= 0) & (indices < vocab.numel())
        picked = vocab[torch.where(valid, indices, torch.zeros_like(indices))]
        return torch.where(valid, picked, torch.full_like(picked, int(self.oov_token)))

    def get_config(self):
        config = super().get_config()
        if config["oov_token"] is not None:
            config["oov_token"] = int(config["oov_token"])
        if config["mask_token"] is not None:
            config["mask_token"] = int(config["mask_token"])
        if config["vocabulary"] is not None:
            config["vocabulary"] = [int(v) for v in config["vocabulary"]]
        return config
