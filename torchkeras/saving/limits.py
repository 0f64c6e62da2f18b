"""Limits that keep a hostile or damaged file from exhausting time or memory while it is parsed.

- JSON and YAML configs: nesting deeper than `MAX_CONFIG_DEPTH` levels and YAML documents that expand (through
  aliases) to more than `MAX_YAML_NODES` nodes are refused before any object is built; a recursion error
  while parsing is reported as a malformed file.
- Zip members of a `.keras` archive: `config.json` and `metadata.json` have absolute caps; the weights and
  assets may be large, but a member that decompresses to far more than it stores is refused (a zip bomb).
"""
import json

MAX_CONFIG_DEPTH = 200
MAX_YAML_NODES = 5_000_000
MAX_CONFIG_BYTES = 64 * 1024 * 1024
MAX_METADATA_BYTES = 1024 * 1024
# Weights and assets: refuse a member that expands more than this, once it is over the floor.
ZIP_BOMB_FLOOR_BYTES = 64 * 1024 * 1024
ZIP_MAX_EXPANSION = 100
MAX_ASSETS_BYTES = 4 * 1024 ** 3


class ConfigError(ValueError):
    """A model config (JSON, YAML) that is malformed, nested too deeply, or too large."""


def check_depth(value, what):
    """Refuse a parsed config nested deeper than `MAX_CONFIG_DEPTH` (checked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_CONFIG_DEPTH:
            raise ConfigError(
                f"{what} is nested more than {MAX_CONFIG_DEPTH} levels deep: it is malformed or hostile, not a "
                "Keras config."
            )
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend((v, depth + 1) for v in item)
    return value


def parse_json(text, what):
    """`json.loads(text)` with malformed, too deeply nested or too large input reported as `ConfigError`."""
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as e:
            raise ConfigError(f"{what} is not valid UTF-8 text ({e}).") from None
    if not isinstance(text, str):
        raise TypeError(f"{what} must be a JSON string, not {type(text).__name__}.")
    if len(text) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{what} is {len(text)} characters long, over the {MAX_CONFIG_BYTES} limit for a "
                          "model config: it is not a Keras config.")
    try:
        value = json.loads(text)
    except RecursionError:
        raise ConfigError(f"{what} is nested too deeply to be a Keras config: the file is malformed.") from None
    except ValueError as e:
        raise ConfigError(f"{what} is not valid JSON: {e}") from None
    return check_depth(value, what)


def parse_yaml(text, what="The YAML config"):
    """PyYAML's safe loader, refusing alias bombs ("billion laughs") and deep nesting before construction."""
    try:
        import yaml
    except ImportError:
        raise ImportError("YAML configs need PyYAML: `pip install pyyaml`.") from None
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8", errors="replace")
    if not isinstance(text, str):
        raise TypeError(f"{what} must be a YAML string, not {type(text).__name__}.")
    if len(text) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{what} is {len(text)} characters long, over the {MAX_CONFIG_BYTES} limit.")
    if _flow_depth(text) > MAX_CONFIG_DEPTH:
        raise ConfigError(f"{what} is nested more than {MAX_CONFIG_DEPTH} levels deep: it is malformed or hostile, "
                          "not a Keras config.")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except RecursionError:
        raise ConfigError(f"{what} is nested too deeply to be a Keras config: it is malformed.") from None
    except yaml.YAMLError as e:
        raise ConfigError(f"{what} is not valid YAML: {e}") from None
    if node is None:
        return None
    _check_yaml_nodes(node, what)
    try:
        value = yaml.SafeLoader(text).construct_document(node)
    except RecursionError:
        raise ConfigError(f"{what} is nested too deeply to be a Keras config: it is malformed.") from None
    except yaml.YAMLError as e:
        raise ConfigError(f"{what} is not valid YAML: {e}") from None
    return value


def _flow_depth(text):
    """The deepest nesting of YAML flow collections (`[`, `{`) outside quoted strings: a fast check before
    PyYAML's recursive parser meets it."""
    depth = deepest = 0
    quote = None
    for char in text:
        if quote:
            if char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth = max(depth - 1, 0)
    return deepest


def _check_yaml_nodes(root, what):
    """Count nodes as they would be after alias expansion (shared nodes counted once per use)."""
    import yaml

    sizes = {}  # id(node) -> expanded node count, once all its children are counted
    active = set()  # nodes on the current path (a node met again here is a recursive alias)
    stack = [(root, 1, False)]
    while stack:
        node, depth, children_done = stack.pop()
        key = id(node)
        if children_done:
            active.discard(key)
            total = 1
            for sub in _yaml_children(node, yaml):
                total += sizes[id(sub)]
                if total > MAX_YAML_NODES:
                    raise ConfigError(
                        f"{what} expands to more than {MAX_YAML_NODES} nodes through its aliases (an alias "
                        "bomb): refusing to load it."
                    )
            sizes[key] = total
            continue
        if key in sizes:
            continue
        if key in active:
            raise ConfigError(f"{what} contains a recursive alias: it is not a Keras config.")
        if depth > MAX_CONFIG_DEPTH:
            raise ConfigError(f"{what} is nested more than {MAX_CONFIG_DEPTH} levels deep: it is malformed or "
                              "hostile, not a Keras config.")
        active.add(key)
        stack.append((node, depth, True))
        for sub in _yaml_children(node, yaml):
            if id(sub) not in sizes:
                stack.append((sub, depth + 1, False))


def _yaml_children(node, yaml):
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [x for pair in node.value for x in pair]
    return []
