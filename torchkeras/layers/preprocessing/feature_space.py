"""`keras.utils.FeatureSpace`: preprocess and encode structured data (a dict of features) in one object.

Keras runs the preprocessing through `tf.data` and TensorFlow tensors; here the same preprocessing layers run
on NumPy arrays (strings) and torch tensors (numbers), and `adapt` takes a dict of arrays or any iterable of
dict batches (a `keras.utils.PyDataset`, a `torch.utils.data.DataLoader`, a list, a generator).
"""
import numpy as np
import torch

from torchkeras.api_export import keras_export
from torchkeras.backend import naming
from torchkeras.layers.core.input_layer import Input
from torchkeras.layers.layer import Layer
from torchkeras.layers.preprocessing.category_encoding import CategoryEncoding
from torchkeras.layers.preprocessing.discretization import Discretization
from torchkeras.layers.preprocessing.hashed_crossing import HashedCrossing
from torchkeras.layers.preprocessing.hashing import Hashing
from torchkeras.layers.preprocessing.integer_lookup import IntegerLookup
from torchkeras.layers.preprocessing.normalization import Normalization
from torchkeras.layers.preprocessing.rescaling import Rescaling
from torchkeras.layers.preprocessing.string_inputs import is_string_input
from torchkeras.layers.preprocessing.string_inputs import to_string_array
from torchkeras.layers.preprocessing.string_lookup import StringLookup
from torchkeras.layers.preprocessing.text_vectorization import TextVectorization
from torchkeras.saving import serialization_lib

_MODULE = "keras.src.layers.preprocessing.feature_space"


@keras_export(f"{_MODULE}.Cross")
class Cross:
    """A feature cross: `feature_names` hashed together into `crossing_dim` bins (`output_mode` `"int"` or
    `"one_hot"`)."""

    _keras_registered_name = (_MODULE, "Cross")

    def __init__(self, feature_names, crossing_dim, output_mode="one_hot"):
        if output_mode not in {"int", "one_hot"}:
            raise ValueError(
                "Invalid value for argument `output_mode`. Expected one of {'int', 'one_hot'}. "
                f"Received: output_mode={output_mode}"
            )
        self.feature_names = tuple(feature_names)
        self.crossing_dim = crossing_dim
        self.output_mode = output_mode

    @property
    def name(self):
        return "_X_".join(self.feature_names)

    def get_config(self):
        return {"feature_names": self.feature_names, "crossing_dim": self.crossing_dim,
                "output_mode": self.output_mode}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


@keras_export(f"{_MODULE}.Feature")
class Feature:
    """A feature: its input `dtype`, the `preprocessor` layer applied to it, and its `output_mode`
    (`"int"`, `"one_hot"` or `"float"`)."""

    _keras_registered_name = (_MODULE, "Feature")

    def __init__(self, dtype, preprocessor, output_mode):
        if output_mode not in {"int", "one_hot", "float"}:
            raise ValueError(
                "Invalid value for argument `output_mode`. Expected one of {'int', 'one_hot', 'float'}. "
                f"Received: output_mode={output_mode}"
            )
        self.dtype = dtype
        if isinstance(preprocessor, dict):
            preprocessor = serialization_lib.deserialize_keras_object(preprocessor)
        self.preprocessor = preprocessor
        self.output_mode = output_mode

    def get_config(self):
        return {"dtype": self.dtype, "preprocessor": serialization_lib.serialize_keras_object(self.preprocessor),
                "output_mode": self.output_mode}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


@keras_export(f"{_MODULE}.TFDConcat")
class TFDConcat(Layer):
    """Concatenate a list of tensors along `axis`."""

    _keras_registered_name = (_MODULE, "TFDConcat")

    def __init__(self, axis, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.built = True

    def call(self, xs):
        return torch.cat(list(xs), dim=self.axis)

    def compute_output_shape(self, input_shape):
        shapes = [tuple(s) for s in input_shape]
        axis = self.axis % len(shapes[0])
        sizes = [s[axis] for s in shapes]
        out = list(shapes[0])
        out[axis] = None if any(s is None for s in sizes) else sum(sizes)
        return tuple(out)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


@keras_export(f"{_MODULE}.TFDIdentity")
class TFDIdentity(Layer):
    """Return the input unchanged (the preprocessor of `FeatureSpace.float()` features)."""

    _keras_registered_name = (_MODULE, "TFDIdentity")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.built = True

    def call(self, x):
        return x

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return super().get_config()


def _as_array(x):
    """A feature value as a NumPy array (object arrays of str for strings)."""
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    if is_string_input(x):
        return to_string_array(x)
    return np.asarray(x)


def _as_layer_input(x):
    """A feature batch for a preprocessing layer: strings stay NumPy, numbers become tensors."""
    if isinstance(x, torch.Tensor):
        return x
    array = _as_array(x)
    if array.dtype == object:
        return array
    if array.dtype == np.float64 and not isinstance(x, np.ndarray):
        array = array.astype(np.float32)  # Python floats convert to float32, as `tf.convert_to_tensor` does
    elif array.dtype == np.int64 and not isinstance(x, np.ndarray):
        array = array.astype(np.int32)
    return torch.from_numpy(np.ascontiguousarray(array))


def _elements(dataset):
    """The elements (dicts of features) of a dataset given to `FeatureSpace.adapt`."""
    from torchkeras.utils.py_dataset import PyDataset

    if isinstance(dataset, PyDataset):
        def batches():
            for i in range(len(dataset)):
                yield dataset[i]
        items = batches()
    else:
        items = iter(dataset)
    for item in items:
        if isinstance(item, (tuple, list)) and item and isinstance(item[0], dict):
            item = item[0]  # `(features, labels)` batches
        if not isinstance(item, dict):
            raise ValueError(
                "`adapt()` needs a dataset whose elements are dicts of features (or `(features, labels)` "
                f"tuples). Received an element of type {type(item)}."
            )
        yield item


def _slices(features):
    """The per-sample elements of a dict of arrays, as `tf.data.Dataset.from_tensor_slices` gives them."""
    arrays = {name: _as_array(value) for name, value in features.items()}
    lengths = {len(a) for a in arrays.values()}
    if len(lengths) != 1:
        raise ValueError(f"All features given to `adapt()` must have the same number of samples. Received: "
                         f"{ {name: len(a) for name, a in arrays.items()} }")
    for i in range(lengths.pop()):
        yield {name: a[i] for name, a in arrays.items()}


def _feature_batches(elements, name):
    """The batches `adapt` gives the preprocessor of `name`: scalar samples are grouped by 32, and scalar or
    1D batches get a trailing axis (Keras's `batch(32)` and `expand_dims(-1)`)."""
    iterator = iter(elements)
    first = next(iterator, None)
    if first is None:
        raise ValueError("`adapt()` received an empty dataset.")
    first_value = _as_array(first[name])
    rank = first_value.ndim
    values = (e[name] for e in _chain(first, iterator))
    if rank == 0:
        pending = []
        for value in values:
            pending.append(_as_array(value))
            if len(pending) == 32:
                yield np.stack(pending)[:, None]
                pending = []
        if pending:
            yield np.stack(pending)[:, None]
        return
    for value in values:
        value = _as_array(value)
        yield value[..., None] if rank == 1 else value


def _chain(first, rest):
    yield first
    yield from rest


@keras_export("keras.utils.FeatureSpace")
class FeatureSpace(Layer):
    """One-stop utility for preprocessing and encoding structured data.

    Args:
        features: dict mapping feature names to their type, a name (`"float"`, `"float_rescaled"`,
            `"float_normalized"`, `"float_discretized"`, `"integer_categorical"`, `"string_categorical"`,
            `"integer_hashed"`, `"string_hashed"`) or a `FeatureSpace.<type>(...)` / `FeatureSpace.feature(...)`
            object.
        output_mode: `"concat"` (one vector of all encoded features, in sorted feature order then sorted
            crosses) or `"dict"` (a dict of encoded features).
        crosses: features to cross by hashing, e.g. `[("f1", "f2")]` or `FeatureSpace.cross(...)` objects.
        crossing_dim: default number of bins of crosses; default 32.
        hashing_dim: default number of bins of hashed features; default 32.
        num_discretization_bins: default number of bins of `"float_discretized"` features; default 32.

    `adapt(dataset)` fits the preprocessors (vocabularies, statistics, bins) on a dict of arrays or an
    iterable of dict batches; calling the FeatureSpace on a dict of arrays, lists or tensors returns the
    encoded features as torch tensors. `get_inputs()` and `get_encoded_features()` give the symbolic inputs
    and outputs for building a functional model.
    """

    @classmethod
    def cross(cls, feature_names, crossing_dim, output_mode="one_hot"):
        return Cross(feature_names, crossing_dim, output_mode=output_mode)

    @classmethod
    def feature(cls, dtype, preprocessor, output_mode):
        return Feature(dtype, preprocessor, output_mode)

    @classmethod
    def float(cls, name=None):
        name = name or naming.auto_name("float")
        return Feature(dtype="float32", preprocessor=TFDIdentity(dtype="float32", name=f"{name}_preprocessor"),
                       output_mode="float")

    @classmethod
    def float_rescaled(cls, scale=1.0, offset=0.0, name=None):
        name = name or naming.auto_name("float_rescaled")
        return Feature(dtype="float32",
                       preprocessor=Rescaling(scale=scale, offset=offset, name=f"{name}_preprocessor"),
                       output_mode="float")

    @classmethod
    def float_normalized(cls, name=None):
        name = name or naming.auto_name("float_normalized")
        return Feature(dtype="float32", preprocessor=Normalization(axis=-1, name=f"{name}_preprocessor"),
                       output_mode="float")

    @classmethod
    def float_discretized(cls, num_bins, bin_boundaries=None, output_mode="one_hot", name=None):
        name = name or naming.auto_name("float_discretized")
        preprocessor = Discretization(num_bins=num_bins, bin_boundaries=bin_boundaries,
                                      name=f"{name}_preprocessor")
        return Feature(dtype="float32", preprocessor=preprocessor, output_mode=output_mode)

    @classmethod
    def integer_categorical(cls, max_tokens=None, num_oov_indices=1, output_mode="one_hot", name=None):
        name = name or naming.auto_name("integer_categorical")
        preprocessor = IntegerLookup(name=f"{name}_preprocessor", max_tokens=max_tokens,
                                     num_oov_indices=num_oov_indices)
        return Feature(dtype="int32", preprocessor=preprocessor, output_mode=output_mode)

    @classmethod
    def string_categorical(cls, max_tokens=None, num_oov_indices=1, output_mode="one_hot", name=None):
        name = name or naming.auto_name("string_categorical")
        preprocessor = StringLookup(name=f"{name}_preprocessor", max_tokens=max_tokens,
                                    num_oov_indices=num_oov_indices)
        return Feature(dtype="string", preprocessor=preprocessor, output_mode=output_mode)

    @classmethod
    def string_hashed(cls, num_bins, output_mode="one_hot", name=None):
        name = name or naming.auto_name("string_hashed")
        return Feature(dtype="string", preprocessor=Hashing(name=f"{name}_preprocessor", num_bins=num_bins),
                       output_mode=output_mode)

    @classmethod
    def integer_hashed(cls, num_bins, output_mode="one_hot", name=None):
        name = name or naming.auto_name("integer_hashed")
        return Feature(dtype="int32", preprocessor=Hashing(name=f"{name}_preprocessor", num_bins=num_bins),
                       output_mode=output_mode)

    def __init__(self, features, output_mode="concat", crosses=None, crossing_dim=32, hashing_dim=32,
                 num_discretization_bins=32, name=None):
        super().__init__(name=name)
        if not features:
            raise ValueError("The `features` argument cannot be None or empty.")
        self.crossing_dim = crossing_dim
        self.hashing_dim = hashing_dim
        self.num_discretization_bins = num_discretization_bins
        self.features = {name: self._standardize_feature(name, value) for name, value in features.items()}
        self.crosses = []
        if crosses:
            feature_set = set(features.keys())
            for cross in crosses:
                if isinstance(cross, dict):
                    cross = serialization_lib.deserialize_keras_object(cross)
                if isinstance(cross, Cross):
                    self.crosses.append(cross)
                    continue
                if not crossing_dim:
                    raise ValueError(
                        "When specifying `crosses`, the argument `crossing_dim` (dimensionality of the crossing "
                        "space) should be specified as well."
                    )
                for key in cross:
                    if key not in feature_set:
                        raise ValueError(
                            "All features referenced in the `crosses` argument should be present in the "
                            f"`features` dict. Received unknown features: {cross}"
                        )
                self.crosses.append(Cross(cross, crossing_dim=crossing_dim))
        self.crosses_by_name = {cross.name: cross for cross in self.crosses}
        if output_mode not in {"dict", "concat"}:
            raise ValueError(
                "Invalid value for argument `output_mode`. Expected one of {'dict', 'concat'}. "
                f"Received: output_mode={output_mode}"
            )
        self.output_mode = output_mode
        self.inputs = {name: Input(shape=(1,), dtype=value.dtype, name=name) for name, value in self.features.items()}
        self.preprocessors = {name: value.preprocessor for name, value in self.features.items()}
        self.encoded_features = None
        self.crossers = {cross.name: HashedCrossing(cross.crossing_dim, name=cross.name) for cross in self.crosses}
        self.one_hot_encoders = {}
        self._is_adapted = False
        self.concat = None
        self._preprocessed_features_names = None
        self._crossed_features_names = None
        self._sublayers_built = False

    def _standardize_feature(self, name, feature):
        if isinstance(feature, Feature):
            return feature
        if isinstance(feature, dict):
            return serialization_lib.deserialize_keras_object(feature)
        makers = {
            "float": lambda: self.float(name=name),
            "float_normalized": lambda: self.float_normalized(name=name),
            "float_rescaled": lambda: self.float_rescaled(name=name),
            "float_discretized": lambda: self.float_discretized(name=name, num_bins=self.num_discretization_bins),
            "integer_categorical": lambda: self.integer_categorical(name=name),
            "string_categorical": lambda: self.string_categorical(name=name),
            "integer_hashed": lambda: self.integer_hashed(self.hashing_dim, name=name),
            "string_hashed": lambda: self.string_hashed(self.hashing_dim, name=name),
        }
        if not isinstance(feature, str) or feature not in makers:
            raise ValueError(f"Invalid feature type: {feature}")
        return makers[feature]()

    # --- adapt -----------------------------------------------------------------------------------------
    def _list_adaptable_preprocessors(self):
        names = []
        for name in self.features:
            preprocessor = self.preprocessors[name]
            if isinstance(preprocessor, Normalization) and preprocessor.input_mean is not None:
                continue
            if isinstance(preprocessor, TextVectorization) and getattr(preprocessor, "_has_input_vocabulary", False):
                continue
            if hasattr(preprocessor, "adapt"):
                names.append(name)
        return names

    def adapt(self, dataset):
        """Fit the preprocessors that need data (normalization statistics, vocabularies, bins) on `dataset`:
        a dict of arrays or lists (one entry per sample), or an iterable of dict batches (a
        `keras.utils.PyDataset`, a `torch.utils.data.DataLoader`, a list or generator of dicts)."""
        if isinstance(dataset, dict):
            def elements():
                return _slices(dataset)
        elif hasattr(dataset, "__iter__") or hasattr(dataset, "__getitem__"):
            if not hasattr(dataset, "__len__") and not hasattr(dataset, "__getitem__"):
                dataset = list(dataset)  # a one-shot iterator: read it once, adapt each preprocessor on it

            def elements():
                return _elements(dataset)
        else:
            raise ValueError(
                "`adapt()` can only be called on a dict of arrays/lists or an iterable of dict batches (e.g. a "
                f"`keras.utils.PyDataset` or a `torch.utils.data.DataLoader`). Received instead: {dataset} (of "
                f"type {type(dataset)})"
            )
        for name in self._list_adaptable_preprocessors():
            self.preprocessors[name].adapt(_feature_batches(elements(), name))
        self._is_adapted = True
        self.get_encoded_features()  # finish building the layer
        self.built = True
        self._sublayers_built = True

    # --- symbolic graph --------------------------------------------------------------------------------
    def get_inputs(self):
        """The `{name: keras.Input(shape=(1,))}` of the features."""
        self._check_if_built()
        return self.inputs

    def get_encoded_features(self):
        """The encoded features as symbolic tensors (a tensor for `"concat"`, a dict for `"dict"`)."""
        self._check_if_adapted()
        if self.encoded_features is None:
            preprocessed = self._preprocess_features(self.inputs)
            crossed = self._cross_features(preprocessed)
            self.encoded_features = self._merge_features(preprocessed, crossed)
        return self.encoded_features

    def _preprocess_features(self, features):
        return {name: self.preprocessors[name](features[name]) for name in features}

    def _cross_features(self, features):
        return {cross.name: self.crossers[cross.name]([features[name] for name in cross.feature_names])
                for cross in self.crosses}

    def _cardinality(self, name, dtype):
        preprocessor = self.preprocessors.get(name) or self.crossers.get(name)
        if not dtype.startswith("int"):
            raise ValueError(
                f"Feature '{name}' has `output_mode='one_hot'`. Thus its preprocessor should return an integer "
                f"dtype. Instead it returns a {dtype} dtype."
            )
        if isinstance(preprocessor, (IntegerLookup, StringLookup)):
            return preprocessor.vocabulary_size()
        if isinstance(preprocessor, CategoryEncoding):
            return preprocessor.num_tokens
        if isinstance(preprocessor, Discretization):
            if preprocessor.num_bins is not None:
                return preprocessor.num_bins
            return len(preprocessor.bin_boundaries) + 1
        if isinstance(preprocessor, (HashedCrossing, Hashing)):
            return preprocessor.num_bins
        raise ValueError(
            f"Feature '{name}' has `output_mode='one_hot'`. However it isn't a standard feature and the "
            "dimensionality of its output space is not known, thus it cannot be one-hot encoded. Try using "
            "`output_mode='int'`."
        )

    def _merge_features(self, preprocessed_features, crossed_features):
        if not self._preprocessed_features_names:
            self._preprocessed_features_names = sorted(preprocessed_features)
            self._crossed_features_names = sorted(crossed_features)
        names = self._preprocessed_features_names + self._crossed_features_names
        values = [preprocessed_features[n] for n in self._preprocessed_features_names] + [
            crossed_features[n] for n in self._crossed_features_names]
        if self._sublayers_built:
            encoded = []
            for name, value in zip(names, values):
                encoder = self.one_hot_encoders.get(name)
                encoded.append(encoder(value) if encoder else value)
            if self.output_mode == "dict":
                return dict(zip(names, encoded))
            return self.concat(encoded)
        specs = [self.features[n] for n in self._preprocessed_features_names] + [
            self.crosses_by_name[n] for n in self._crossed_features_names]
        output = {}
        encoders = {}
        for name, value, spec in zip(names, values, specs):
            dtype = _dtype_name(value)
            if spec.output_mode == "one_hot":
                cardinality = self._cardinality(name, dtype)
                if cardinality is not None:
                    encoder = CategoryEncoding(num_tokens=cardinality, output_mode="multi_hot")
                    encoders[name] = encoder
                    value = encoder(value)
            if self.output_mode == "concat":
                dtype = _dtype_name(value)
                if dtype.startswith("int") or dtype == "string":
                    raise ValueError(
                        f"Cannot concatenate features because feature '{name}' has not been encoded (it has dtype "
                        f"{dtype}). Consider using `output_mode='dict'`."
                    )
            output[name] = value
        self.one_hot_encoders = encoders  # assigned whole, so the layer tracks the new encoders
        if self.output_mode == "concat":
            self.concat = TFDConcat(axis=-1)
            return self.concat(list(output.values()))
        return output

    def _check_if_adapted(self):
        if not self._is_adapted:
            if not self._list_adaptable_preprocessors():
                self._is_adapted = True
            else:
                raise ValueError(
                    "You need to call `.adapt(dataset)` on the FeatureSpace before you can start using it."
                )

    def _check_if_built(self):
        if not self._sublayers_built:
            self._check_if_adapted()
            self.get_encoded_features()
            self._sublayers_built = True

    # --- calling ---------------------------------------------------------------------------------------
    def __call__(self, data):
        self._check_if_built()
        if not isinstance(data, dict):
            raise ValueError(f"A FeatureSpace can only be called with a dict. Received: data={data} (of type "
                             f"{type(data)}")
        unknown = sorted(set(data) - set(self.features))
        missing = sorted(set(self.features) - set(data))
        if unknown or missing:
            raise ValueError(
                f"A FeatureSpace must be called with a dict holding exactly its features {sorted(self.features)}. "
                f"Received unknown features {unknown} and missing features {missing}."
            )
        rebatched = False
        batch = {}
        for name, value in data.items():
            value = _as_layer_input(value)
            if value.ndim == 0:
                value = value.reshape(1, 1)
                rebatched = True
            elif value.ndim == 1:
                value = value[:, None]
            batch[name] = value
        preprocessed = self._preprocess_features(batch)
        crossed = self._cross_features(preprocessed)
        merged = self._merge_features(preprocessed, crossed)
        if rebatched:
            if self.output_mode == "concat":
                if merged.shape[0] != 1:
                    raise ValueError(f"Expected rebatched data to have batch size 1. Received: shape={merged.shape}")
                merged = merged.squeeze(0)
            else:
                merged = {name: (x.squeeze(0) if x.ndim == 2 and x.shape[0] == 1 else x)
                          for name, x in merged.items()}
        return merged

    # --- config and saving -----------------------------------------------------------------------------
    def get_config(self):
        return {
            "features": serialization_lib.serialize_keras_object(self.features),
            "output_mode": self.output_mode,
            "crosses": serialization_lib.serialize_keras_object(self.crosses),
            "crossing_dim": self.crossing_dim,
            "hashing_dim": self.hashing_dim,
            "num_discretization_bins": self.num_discretization_bins,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def get_build_config(self):
        return {name: feature.preprocessor.get_build_config() for name, feature in self.features.items()}

    def build_from_config(self, config):
        for name in config:
            preprocessor = self.features[name].preprocessor
            if not preprocessor.built and config[name]:
                preprocessor.build_from_config(config[name])
        self._is_adapted = True

    def save(self, filepath):
        """Save the FeatureSpace to a `.keras` file (reload it with `keras.models.load_model`)."""
        from torchkeras.saving import saving_api

        saving_api.save_model(self, filepath)

    def save_own_variables(self, store):
        return

    def load_own_variables(self, store):
        return


def _dtype_name(value):
    dtype = value.dtype
    if isinstance(dtype, torch.dtype):
        return str(dtype).replace("torch.", "")
    if isinstance(value, np.ndarray) and dtype == object:
        return "string"
    return str(dtype)

