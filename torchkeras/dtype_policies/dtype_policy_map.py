"""`keras.dtype_policies.DTypePolicyMap`: dtype policies looked up by layer path (exact key, else regex)."""
import re
from collections.abc import MutableMapping

from torchkeras.api_export import keras_export
from torchkeras.dtype_policies.dtype_policy import DTypePolicy


@keras_export("keras.dtype_policies.DTypePolicyMap")
class DTypePolicyMap(DTypePolicy, MutableMapping):
    """A dict-like policy: `policy_map[path]` is the policy of the layer at `path`.

    A key is matched exactly first, then as a regular expression (`re.fullmatch`); a path no key matches gets
    `default_policy` (default: `keras.config.dtype_policy()`). The map's own dtypes are the default policy's.
    """

    def __init__(self, default_policy=None, policy_map=None):
        if isinstance(default_policy, DTypePolicyMap):
            raise ValueError("`default_policy` cannot be a `DTypePolicyMap`.")
        if policy_map is not None and not isinstance(policy_map, dict):
            raise TypeError("If specified, `policy_map` must be a dict. "
                            f"Received: policy_map={policy_map} of type {type(policy_map)}")
        from torchkeras import dtype_policies

        self._default_policy_arg = default_policy
        self._default_policy = dtype_policies.get(default_policy)
        self._policy_map = policy_map or {}

    @property
    def name(self):
        return f"map_{self.default_policy._name}"

    @property
    def _name(self):
        return self.name

    @property
    def default_policy(self):
        from torchkeras import dtype_policies

        return dtype_policies.get(self._default_policy)

    @property
    def variable_dtype(self):
        return self.default_policy.variable_dtype

    @property
    def compute_dtype(self):
        return self.default_policy.compute_dtype

    @property
    def quantization_mode(self):
        return self.default_policy.quantization_mode

    @property
    def _quantization_mode(self):
        return self.default_policy.quantization_mode

    @property
    def is_mixed(self):
        return self.default_policy.is_mixed

    def __getitem__(self, key):
        if key in self._policy_map:
            return self._policy_map[key]
        matches = [pattern for pattern in self._policy_map if re.fullmatch(pattern, key)]
        if len(matches) > 1:
            raise ValueError(
                f"Path '{key}' matches multiple dtype policy specification keys: {matches}. Please make sure each "
                "path only matches at most one dtype policy specification key in the DTypePolicyMap."
            )
        if matches:
            return self._policy_map[matches[0]]
        return self.default_policy

    def __setitem__(self, key, policy):
        from torchkeras import dtype_policies

        if key in self._policy_map:
            raise ValueError(f"{key} already exist in the DTypePolicyMap with value {self._policy_map[key]}. "
                             "Please make sure to not use duplicated keys.")
        try:
            policy = dtype_policies.get(policy)
        except Exception:  # noqa: BLE001 - reported as Keras reports it
            raise ValueError("Cannot interpret the assigned value by `keras.dtype_policies.get`. "
                             f"Received: {policy} of type {type(policy)}") from None
        self._policy_map[key] = policy

    def __delitem__(self, key):
        return self._policy_map.pop(key)

    def __contains__(self, key):
        return key in self._policy_map

    def __len__(self):
        return len(self._policy_map)

    def __iter__(self):
        return iter(self._policy_map)

    def __eq__(self, other):
        return self is other

    def __hash__(self):
        return id(self)

    def get_config(self):
        from torchkeras import dtype_policies

        policy_map = {}
        for key, policy in self._policy_map.items():
            entry = dtype_policies.serialize(policy)
            if self._default_policy_arg is None:
                # Without a default, the entries follow the global policy when the map is read back (Keras
                # writes their source dtype as None).
                entry["config"] = dict(entry["config"])
                entry["config"]["source_name" if policy.quantization_mode else "name"] = None
            policy_map[key] = entry
        return {"default_policy": self._default_policy_arg, "policy_map": policy_map}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from torchkeras import dtype_policies

        config = dict(config)
        config["policy_map"] = {k: dtype_policies.deserialize(v, custom_objects=custom_objects)
                                for k, v in (config.get("policy_map") or {}).items()}
        return cls(**config)

    def __repr__(self):
        default = self._default_policy.name if self._default_policy is not None else None
        mapping = [(k, v.name) for k, v in self._policy_map.items()]
        return f"<DTypePolicyMap at {hex(id(self))} default_policy={default}, mapping={mapping}>"
