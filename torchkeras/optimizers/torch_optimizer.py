"""`TorchOptimizer`: a `torch.optim.Optimizer` driven by Keras's training loop.

`model.compile(optimizer=torch.optim.AdamW(model.parameters(), lr=1e-3))` wraps the torch optimizer in this
class. It gives the trainer and the callbacks Keras's optimizer surface (`apply(grads, variables)`, `build`,
`iterations`, `learning_rate`, `variables`, `scale_loss`, `get_config`) while the update itself is the torch
optimizer's own `step()`. It is a `torch.optim.Optimizer` too (`param_groups`, `state`, `state_dict()`,
`zero_grad()`, hooks are the wrapped optimizer's), so `torch.optim.lr_scheduler` schedulers accept it.

The torch optimizer can also be given as a factory, `TorchOptimizer(lambda params: torch.optim.SGD(params,
lr=0.1))`, which is called with the model's trainable weights when the optimizer is built (useful when the
model is not built yet at `compile` time; this is also how `from_config` recreates it).
"""
import functools
import inspect
import warnings

import torch

from torchkeras.api_export import keras_export
from torchkeras.backend import naming
from torchkeras.backend.variables import Variable


@keras_export("keras.optimizers.TorchOptimizer")
class TorchOptimizer(torch.optim.Optimizer):
    """Keras's optimizer API around a `torch.optim.Optimizer` (or a factory `params -> torch optimizer`).

    Args:
        optimizer: a `torch.optim.Optimizer` instance, or a callable taking the list of variables to train
            and returning one.
        name: the optimizer's name (default: the torch class name in lower case, e.g. `"adamw"`).
        loss_scale_factor: if set, `scale_loss` multiplies the loss by it and `apply` divides the gradients
            by it before the torch update.
    """

    def __new__(cls, optimizer=None, *args, **kwargs):
        if isinstance(optimizer, TorchOptimizer):
            return optimizer  # wrapping twice is a no-op (compile(optimizer=model.optimizer))
        return object.__new__(cls)

    def __init__(self, optimizer, name=None, loss_scale_factor=None):
        if optimizer is self:
            return
        if isinstance(optimizer, torch.optim.Optimizer):
            self.torch_optimizer = optimizer
            self._factory = None
            default_name = type(optimizer).__name__.lower()
        elif callable(optimizer):
            self.torch_optimizer = None
            self._factory = optimizer
            target = getattr(optimizer, "func", optimizer)
            default_name = getattr(target, "__name__", "torch_optimizer").lower()
            if default_name == "<lambda>":
                default_name = "torch_optimizer"
        else:
            raise TypeError(
                "`TorchOptimizer` expects a `torch.optim.Optimizer` instance (e.g. "
                "`torch.optim.AdamW(model.parameters(), lr=1e-3)`) or a callable that takes the list of variables "
                f"and returns one. Received: optimizer={optimizer!r} (of type {type(optimizer).__name__})"
            )
        self.name = name if name is not None else naming.auto_name(default_name)
        self.loss_scale_factor = loss_scale_factor
        with naming.name_scope(self.name, caller=self):
            self._iterations = Variable(0, name="iteration", dtype="int32", trainable=False, device="cpu")
        self._iteration_count = 0
        self._held_ids = None
        self.built = False
        if self.torch_optimizer is not None and self._holds_parameters():
            self._held_ids = self._parameter_ids()

    # --- the torch side: the wrapped optimizer's own state -------------------------------------------
    @property
    def param_groups(self):
        return self.torch_optimizer.param_groups if self.torch_optimizer is not None else []

    @param_groups.setter
    def param_groups(self, value):
        self._require_torch_optimizer("param_groups")
        self.torch_optimizer.param_groups = value

    @property
    def state(self):
        return self.torch_optimizer.state if self.torch_optimizer is not None else {}

    @property
    def defaults(self):
        if self.torch_optimizer is not None:
            return self.torch_optimizer.defaults
        return dict(getattr(self._factory, "keywords", None) or {})

    def step(self, closure=None):
        """Run the torch optimizer's `step()` on the gradients in `.grad`, and count one iteration."""
        self._require_torch_optimizer("step")
        loss = self.torch_optimizer.step() if closure is None else self.torch_optimizer.step(closure)
        self._iteration_count += 1
        self._iterations.fill_(self._iteration_count)
        return loss

    def zero_grad(self, set_to_none=True):
        if self.torch_optimizer is not None:
            self.torch_optimizer.zero_grad(set_to_none=set_to_none)

    def state_dict(self):
        """The wrapped torch optimizer's `state_dict()` (loadable by that optimizer directly)."""
        self._require_torch_optimizer("state_dict")
        return self.torch_optimizer.state_dict()

    def load_state_dict(self, state_dict):
        self._require_torch_optimizer("load_state_dict")
        self.torch_optimizer.load_state_dict(state_dict)

    def add_param_group(self, param_group):
        self._require_torch_optimizer("add_param_group")
        self.torch_optimizer.add_param_group(param_group)
        self._held_ids = self._parameter_ids()

    def register_step_pre_hook(self, hook):
        self._require_torch_optimizer("register_step_pre_hook")
        return self.torch_optimizer.register_step_pre_hook(hook)

    def register_step_post_hook(self, hook):
        self._require_torch_optimizer("register_step_post_hook")
        return self.torch_optimizer.register_step_post_hook(hook)

    # --- the Keras side ------------------------------------------------------------------------------
    @property
    def iterations(self):
        """The number of updates applied (an int32 variable, like Keras's)."""
        return self._iterations

    @property
    def learning_rate(self):
        """The learning rate of the first parameter group (set it to change every group's)."""
        if self.torch_optimizer is None:
            return self.defaults.get("lr")
        return self.torch_optimizer.param_groups[0]["lr"]

    @learning_rate.setter
    def learning_rate(self, value):
        if self.torch_optimizer is None:
            if self._factory is None or not isinstance(self._factory, functools.partial):
                raise ValueError(
                    f"The torch optimizer of '{self.name}' is created when the optimizer is built: set the learning "
                    "rate after `build()` (or after the first training step)."
                )
            self._factory = functools.partial(self._factory.func, *self._factory.args,
                                              **{**self._factory.keywords, "lr": float(value)})
            return
        for group in self.torch_optimizer.param_groups:
            current = group["lr"]
            if isinstance(current, torch.Tensor):
                current.fill_(float(value))
            else:
                group["lr"] = float(value.detach().cpu()) if isinstance(value, torch.Tensor) else float(value)

    lr = learning_rate

    @property
    def variables(self):
        """`iteration`, then the torch optimizer's state tensors, parameter by parameter (they exist once the
        torch optimizer has stepped)."""
        out = [self._iterations]
        if self.torch_optimizer is None:
            return out
        state = self.torch_optimizer.state
        for group in self.torch_optimizer.param_groups:
            for p in group["params"]:
                for value in state.get(p, {}).values():
                    if isinstance(value, torch.Tensor):
                        out.append(value)
        return out

    def build(self, var_list):
        """Create the torch optimizer (factory form) and check that it updates every variable in `var_list`."""
        var_list = list(var_list)
        if self.torch_optimizer is None:
            self.torch_optimizer = self._factory(var_list)
            if not isinstance(self.torch_optimizer, torch.optim.Optimizer):
                raise TypeError(
                    "The factory given to `TorchOptimizer` must return a `torch.optim.Optimizer`. "
                    f"Received: {self.torch_optimizer!r}"
                )
        self._held_ids = self._parameter_ids()
        self._check_held(var_list)
        self.built = True

    def apply(self, grads, trainable_variables=None):
        """Set each variable's `.grad` to its gradient and run the torch update (`None` gradients are skipped,
        with Keras's warning)."""
        grads = list(grads)
        if trainable_variables is None:
            self._require_torch_optimizer("apply")
            variables = [p for group in self.torch_optimizer.param_groups for p in group["params"]]
            if len(variables) != len(grads):
                raise ValueError(
                    "When passing `grads` without `trainable_variables`, there must be one gradient per parameter "
                    f"of the torch optimizer. Received {len(grads)} gradients for {len(variables)} parameters."
                )
        else:
            variables = list(trainable_variables)
            if len(variables) != len(grads):
                raise ValueError(
                    f"Expected one gradient per variable. Received {len(grads)} gradients for {len(variables)} "
                    "variables."
                )
        if not self.built:
            self.build(variables)
        elif trainable_variables is not None:
            self._check_held(variables)
        missing = []
        present = []
        for g, v in zip(grads, variables):
            if g is None:
                missing.append(getattr(v, "path", None) or getattr(v, "name", None) or tuple(v.shape))
                v.grad = None
                continue
            if g is not v.grad:
                if not isinstance(g, torch.Tensor):
                    g = torch.as_tensor(g)
                if g.shape != v.shape:
                    raise ValueError(
                        "Each gradient must have the shape of its variable. Received a gradient of shape "
                        f"{tuple(g.shape)} for variable {getattr(v, 'path', '')} of shape {tuple(v.shape)}."
                    )
                v.grad = g.to(device=v.device, dtype=v.dtype)
            present.append(v.grad)
        if not present:
            raise ValueError("No gradients provided for any variable.")
        if missing:
            warnings.warn(
                f"Gradients do not exist for variables {missing} when minimizing the loss. If using "
                "`model.compile()`, did you forget to provide a `loss` argument?",
                stacklevel=2,
            )
        if self.loss_scale_factor is not None:
            torch._foreach_div_(present, float(self.loss_scale_factor))
        with torch.no_grad():
            self.step()

    def apply_gradients(self, grads_and_vars):
        """Keras 2 spelling: apply `[(gradient, variable), ...]`; returns `iterations`."""
        pairs = list(grads_and_vars)
        if pairs:
            grads, variables = zip(*pairs)
            self.apply(grads, variables)
        return self._iterations

    def scale_loss(self, loss):
        """`loss * loss_scale_factor` when a factor is set, else `loss`."""
        if self.loss_scale_factor is not None:
            return loss * self.loss_scale_factor
        return loss

    def finalize_variable_values(self, var_list):
        """Nothing to do: torch optimizers keep no moving average to copy into the weights."""

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        raise ValueError(
            "A torch optimizer sets weight decay per parameter group: create it with two groups, e.g. "
            "`torch.optim.AdamW([{'params': decayed}, {'params': others, 'weight_decay': 0.0}])`."
        )

    # --- config --------------------------------------------------------------------------------------
    def get_config(self):
        """`{"name", "optimizer_class", "optimizer_config", "loss_scale_factor"}`; the optimizer config holds
        the torch constructor arguments (its `defaults`), so `from_config` recreates a `torch.optim` optimizer
        over the model's weights when it is built."""
        if self.torch_optimizer is not None:
            cls = type(self.torch_optimizer)
            kwargs = dict(self.torch_optimizer.defaults)
            if "lr" in kwargs:
                kwargs["lr"] = self.learning_rate  # the current value (schedulers and callbacks change it)
        elif isinstance(self._factory, functools.partial) and inspect.isclass(self._factory.func):
            cls = self._factory.func
            kwargs = self._factory.keywords
        else:
            raise NotImplementedError(
                f"The torch optimizer of '{self.name}' is given by a factory function and is not built yet, so its "
                "configuration is unknown. Build it first (`optimizer.build(model.trainable_weights)`)."
            )
        return {
            "name": self.name,
            "optimizer_class": f"{cls.__module__}.{cls.__qualname__}",
            "optimizer_config": _constructor_kwargs(cls, kwargs),
            "loss_scale_factor": self.loss_scale_factor,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        class_path = config.pop("optimizer_class")
        kwargs = config.pop("optimizer_config", {}) or {}
        optimizer_cls = _torch_optimizer_class(class_path, custom_objects)
        kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in kwargs.items()}
        return cls(functools.partial(optimizer_cls, **kwargs), **config)

    # --- helpers -------------------------------------------------------------------------------------
    def _holds_parameters(self):
        return any(group["params"] for group in self.torch_optimizer.param_groups)

    def _parameter_ids(self):
        return {id(p) for group in self.torch_optimizer.param_groups for p in group["params"]}

    def _check_held(self, variables):
        held = self._held_ids
        if held is None:
            return
        foreign = [getattr(v, "path", None) or tuple(v.shape) for v in variables if id(v) not in held]
        if foreign:
            raise ValueError(
                f"The torch optimizer '{self.name}' does not update the variables {foreign}: it was created over "
                "other parameters (or before the model was built). Create it from the built model, e.g. "
                "`model.compile(optimizer=torch.optim.AdamW(model.parameters(), lr=1e-3), ...)`, or pass a "
                "factory: `TorchOptimizer(lambda params: torch.optim.AdamW(params, lr=1e-3))`."
            )

    def _require_torch_optimizer(self, what):
        if self.torch_optimizer is None:
            raise ValueError(
                f"`{what}` needs the torch optimizer of '{self.name}', which is created when the optimizer is "
                "built. Call `optimizer.build(model.trainable_weights)` first."
            )

    def __getstate__(self):
        return self.__dict__.copy()

    def __setstate__(self, state):
        self.__dict__.update(state)

    def __repr__(self):
        inner = repr(self.torch_optimizer) if self.torch_optimizer is not None else "not built"
        return f"<TorchOptimizer name={self.name}: {inner}>"


def _constructor_kwargs(cls, kwargs):
    """The JSON-friendly constructor arguments among `kwargs` (tensors become floats, tuples lists)."""
    try:
        accepted = set(inspect.signature(cls.__init__).parameters) - {"self", "params"}
    except (TypeError, ValueError):
        accepted = set(kwargs)
    out = {}
    for key, value in kwargs.items():
        if key not in accepted:
            continue
        if isinstance(value, torch.Tensor):
            value = value.detach().cpu().tolist()
        if isinstance(value, tuple):
            value = [float(v.detach().cpu()) if isinstance(v, torch.Tensor) else v for v in value]
        if value is None or isinstance(value, (bool, int, float, str, list)):
            out[key] = value
    return out


def _torch_optimizer_class(class_path, custom_objects=None):
    """The optimizer class named by `class_path`: a `torch.optim` class, or one given in `custom_objects`."""
    name = class_path.rsplit(".", 1)[-1]
    if custom_objects and (class_path in custom_objects or name in custom_objects):
        return custom_objects.get(class_path, custom_objects.get(name))
    from torchkeras.saving import serialization_lib

    registered = serialization_lib.get_registered_object(name)
    if registered is not None:
        return registered
    found = getattr(torch.optim, name, None)
    if class_path.startswith("torch.optim") and inspect.isclass(found) and issubclass(found, torch.optim.Optimizer):
        return found
    raise ValueError(
        f"Cannot recreate the torch optimizer '{class_path}': only `torch.optim` optimizers are found by name. "
        "Pass the class in `custom_objects={'" + name + "': " + name + "}` to rebuild it."
    )
