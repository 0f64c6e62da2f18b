"""`keras.layers.BatchNormalization`: normalize with batch statistics in training, moving statistics otherwise."""
import math

import torch
import torch.nn.functional as F

from torchkeras import constraints, initializers, regularizers
from torchkeras.api_export import keras_export
from torchkeras.backend import config as backend_config
from torchkeras.backend import symbolic
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer
from torchkeras.layers.normalization.affine import add_affine_weights, affine_config
from torchkeras.layers.normalization.output_dtype import output_dtype
from torchkeras.layers.normalization.axes import as_channel_view, check_axes_in_bounds, positive_axes

_HALF = (torch.float16, torch.bfloat16)


def _standardize_axis(axis):
    """An int, or (Keras 2) a list of ints; a one-element list becomes an int."""
    if isinstance(axis, (list, tuple)):
        if not axis or not all(isinstance(a, int) and not isinstance(a, bool) for a in axis):
            raise TypeError(f"Expected an int or a list/tuple of ints for the argument 'axis'. Received: axis={axis}")
        return int(axis[0]) if len(axis) == 1 else [int(a) for a in axis]
    if isinstance(axis, bool):
        raise TypeError(f"Expected an int or a list/tuple of ints for the argument 'axis'. Received: axis={axis}")
    return int(axis)


def _clone(initializer):
    """A fresh copy of an initializer (so a seeded one gives the same values twice)."""
    if hasattr(initializer, "get_config"):
        return type(initializer).from_config(initializer.get_config())
    return initializer


class _AllReduceSum(torch.autograd.Function):
    """Sum a tensor over all processes; the gradient is summed the same way (as in synchronized BN)."""

    @staticmethod
    def forward(ctx, tensor):
        out = tensor.clone()
        torch.distributed.all_reduce(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        grad = grad.clone()
        torch.distributed.all_reduce(grad)
        return grad


def _distributed_world():
    dist = torch.distributed
    if dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1:
        return dist
    return None


@keras_export("keras.layers.BatchNormalization")
class BatchNormalization(Layer):
    """Normalizes its inputs: `gamma * (x - mean) / sqrt(var + epsilon) + beta`.

    In training (`training=True` and the layer is trainable) `mean`/`var` are the batch statistics (biased
    variance) and the moving statistics are updated as
    `moving = moving * momentum + batch_stat * (1 - momentum)`. Otherwise the moving statistics are used.
    A frozen layer (`trainable=False`) always runs in inference mode. With a `mask` of shape
    `inputs.shape[:-1]`, masked positions are left out of the batch statistics.
    """

    # The output is a new tensor (or a view of one) that nothing else holds: the graph plan may let a following
    # activation overwrite it in inference.
    _returns_new_tensor = True

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", moving_mean_initializer="zeros",
                 moving_variance_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, renorm=False, renorm_clipping=None,
                 renorm_momentum=0.99, synchronized=False, **kwargs):
        kwargs.pop("fused", None)  # Keras 2: a kernel choice with no effect on the numbers.
        for unsupported in ("virtual_batch_size", "adjustment"):
            if kwargs.pop(unsupported, None) is not None:
                raise ValueError(
                    f"Argument `{unsupported}` of BatchNormalization (Keras 2) is not supported in Keras 3. "
                    f"Remove it (received a non-None value)."
                )
        super().__init__(**kwargs)
        self.axis = _standardize_axis(axis)
        self.synchronized = bool(synchronized)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True
        self.renorm = renorm
        if renorm:
            renorm_clipping = dict(renorm_clipping or {})
            keys = ["rmax", "rmin", "dmax"]
            if set(renorm_clipping) - set(keys):
                raise ValueError(
                    f"Received invalid keys for `renorm_clipping` argument: {renorm_clipping}. "
                    f"Supported values: {keys}."
                )
            rmax, rmin, dmax = (renorm_clipping.get(k) for k in ("rmax", "rmin", "dmax"))
            if rmax is not None and rmin is not None and rmax < rmin:
                raise ValueError(
                    "rmax should be greater than rmin in the `renorm_clipping` argument. "
                    f"Received: rmax={rmax}, rmin={rmin}."
                )
            if dmax is not None and dmax < 0:
                raise ValueError(
                    f"dmax should be non-negative in the `renorm_clipping` argument. Received: dmax={dmax}.")
        self.renorm_clipping = renorm_clipping
        self.renorm_momentum = renorm_momentum
        self._channel_axis = None
        self._reduction_axes = None
        self._param_shape = None

    # --- build -------------------------------------------------------------------------------------------
    def build(self, input_shape):
        input_shape = tuple(input_shape)
        rank = len(input_shape)
        axes = [self.axis] if isinstance(self.axis, int) else list(self.axis)
        check_axes_in_bounds(self.axis, input_shape)
        pos = positive_axes(axes, rank)
        if len(set(pos)) != len(pos):
            raise ValueError(f"Duplicate axis in `axis` of BatchNormalization. Received: axis={self.axis}")
        for a in pos:
            if input_shape[a] is None:
                raise ValueError(
                    f"Axis {a} of input tensor should have a defined dimension but the layer received an input "
                    f"with shape {input_shape}."
                )
        if len(pos) == 1:
            shape = (input_shape[pos[0]],)
            self._channel_axis = pos[0]
        else:  # Keras 2 multi-axis: parameters keep the input's rank, with 1 on the reduced axes.
            shape = tuple(input_shape[i] if i in pos else 1 for i in range(rank))
            self._channel_axis = None
        add_affine_weights(self, shape, scale=self.scale, center=self.center)
        self.moving_mean = self.add_weight(shape=shape, name="moving_mean", initializer=self.moving_mean_initializer,
                                           trainable=False, autocast=False)
        self.moving_variance = self.add_weight(shape=shape, name="moving_variance",
                                               initializer=self.moving_variance_initializer, trainable=False,
                                               autocast=False)
        if self.renorm:
            variance_init = self.moving_variance_initializer

            def moving_stddev_initializer(shape, dtype=None):
                return torch.sqrt(_clone(variance_init)(shape, dtype=dtype))

            self.moving_stddev = self.add_weight(shape=shape, name="moving_stddev",
                                                 initializer=moving_stddev_initializer, trainable=False,
                                                 autocast=False)
            self.renorm_mean = self.add_weight(shape=shape, name="renorm_mean",
                                               initializer=_clone(self.moving_mean_initializer), trainable=False,
                                               autocast=False)
            self.renorm_stddev = self.add_weight(shape=shape, name="renorm_stddev",
                                                 initializer=moving_stddev_initializer, trainable=False,
                                                 autocast=False)
        self.input_spec = InputSpec(ndim=rank, axes={a: input_shape[a] for a in axes})
        self._reduction_axes = [i for i in range(rank) if i not in pos]
        self._param_shape = [input_shape[i] if i in pos else 1 for i in range(rank)]
        self.built = True

    # --- call --------------------------------------------------------------------------------------------
    def call(self, inputs, training=None, mask=None):
        if mask is not None and mask.dim() != inputs.dim() - 1:
            raise ValueError(
                "The mask provided should be one dimension less than the inputs. Received: "
                f"mask.shape={tuple(mask.shape)}, inputs.shape={tuple(inputs.shape)}"
            )
        x = inputs.float() if inputs.dtype in _HALF else inputs
        if training and self.trainable:
            fused = (self._channel_axis is not None and mask is None and not self.renorm
                     and not (self.synchronized and _distributed_world() is not None))
            out = self._train_fused(x) if fused else self._train_general(x, mask)
        else:
            out = self._inference(x)
        dtype = output_dtype(self)
        return out.to(dtype) if out.dtype != dtype else out

    def _params(self, dtype):
        def cast(v):
            if v is None:
                return None
            return v.to(dtype) if v.dtype != dtype else v

        return cast(self.gamma), cast(self.beta), cast(self.moving_mean), cast(self.moving_variance)

    def _inference(self, x):
        gamma, beta, mean, var = self._params(x.dtype)
        if self._channel_axis is not None:
            view = as_channel_view(x, self._channel_axis)
            return F.batch_norm(view, mean, var, gamma, beta, False, 0.0, self.epsilon).reshape(x.shape)
        return self._normalize(x, mean, var, gamma, beta)

    def _train_fused(self, x):
        """One torch kernel computes the output and the batch statistics (biased variance via `invstd`)."""
        gamma, beta, _, _ = self._params(x.dtype)
        view = as_channel_view(x, self._channel_axis)
        out, mean, invstd = torch.native_batch_norm(view, gamma, beta, None, None, True, 0.0, self.epsilon)
        if not symbolic.in_symbolic_scope():
            with torch.no_grad():
                variance = invstd.reciprocal().square() - self.epsilon
                self._update_moving_stats(mean, variance)
        return out.reshape(x.shape)

    def _train_general(self, x, mask):
        """Batch statistics computed explicitly: masks, several axes, renorm, cross-process sync."""
        mean, variance = self._moments(x, mask)
        gamma, beta, _, _ = self._params(x.dtype)
        shape = self._param_shape
        gamma = gamma.reshape(shape) if gamma is not None else None
        beta = beta.reshape(shape) if beta is not None else None
        if self.renorm:
            gamma, beta = self._renorm_transform(mean, variance, gamma, beta)
        if not symbolic.in_symbolic_scope():
            with torch.no_grad():
                if self.renorm:
                    self._update_renorm_stats(mean.detach(), variance.detach())
                else:
                    self._update_moving_stats(mean.detach(), variance.detach())
        return self._normalize(x, mean, variance, gamma, beta)

    def _normalize(self, x, mean, variance, gamma, beta):
        shape = self._param_shape
        scale = torch.rsqrt(variance.reshape(shape) + self.epsilon)
        if gamma is not None:
            scale = scale * gamma.reshape(shape)
        out = (x - mean.reshape(shape)) * scale
        if beta is not None:
            out = out + beta.reshape(shape)
        return out

    def _moments(self, x, mask):
        axes = self._reduction_axes
        world = _distributed_world() if self.synchronized else None
        if mask is None and world is None:
            variance, mean = torch.var_mean(x, dim=axes, correction=0, keepdim=True)
            return mean, variance
        if mask is None:
            weight = torch.ones((), dtype=x.dtype, device=x.device).expand(x.shape)
            masked = x
        else:
            keep = mask.to(torch.bool).unsqueeze(-1).expand(x.shape)
            weight = keep.to(x.dtype)
            masked = torch.where(keep, x, torch.zeros((), dtype=x.dtype, device=x.device))
        total = weight.sum(dim=axes, keepdim=True)
        value_sum = masked.sum(dim=axes, keepdim=True)
        if world is not None:
            stacked = _AllReduceSum.apply(torch.stack([value_sum, total]))
            value_sum, total = stacked[0], stacked[1]
        eps = backend_config.epsilon() if mask is not None else 0.0
        mean = value_sum / (total + eps)
        if mask is None:
            sq_sum = (x - mean).square().sum(dim=axes, keepdim=True)
        else:
            diff = torch.where(keep, x - mean, torch.zeros((), dtype=x.dtype, device=x.device))
            sq_sum = diff.square().sum(dim=axes, keepdim=True)
        if world is not None:
            sq_sum = _AllReduceSum.apply(sq_sum)
        variance = sq_sum / (total + eps)
        return mean, variance

    def _renorm_transform(self, mean, variance, gamma, beta):
        """Batch renormalization: fold the (stopped-gradient) corrections `r`, `d` into gamma and beta."""
        shape = self._param_shape
        stddev = torch.sqrt(variance + self.epsilon)
        renorm_mean = self.renorm_mean.to(mean.dtype).reshape(shape)
        renorm_stddev = torch.clamp(self.renorm_stddev.to(mean.dtype).reshape(shape), min=math.sqrt(self.epsilon))
        r = (stddev / renorm_stddev).detach()
        d = ((mean - renorm_mean) / renorm_stddev).detach()
        clipping = self.renorm_clipping or {}
        if clipping.get("rmin") is not None:
            r = torch.clamp(r, min=clipping["rmin"])
        if clipping.get("rmax") is not None:
            r = torch.clamp(r, max=clipping["rmax"])
        if clipping.get("dmax") is not None:
            d = torch.clamp(d, -clipping["dmax"], clipping["dmax"])
        if gamma is not None:
            new_gamma, new_beta = r * gamma, d * gamma
        else:
            new_gamma, new_beta = r, d
        if beta is not None:
            new_beta = new_beta + beta
        return new_gamma, new_beta

    def _update_moving_stats(self, mean, variance):
        m = self.momentum
        mm, mv = self.moving_mean, self.moving_variance
        mm.copy_(mm * m + mean.reshape(mm.shape).to(mm.dtype) * (1.0 - m))
        mv.copy_(mv * m + variance.reshape(mv.shape).to(mv.dtype) * (1.0 - m))

    def _update_renorm_stats(self, mean, variance):
        m, rm = self.momentum, self.renorm_momentum
        shape = self.moving_mean.shape
        mean = mean.reshape(shape)
        stddev = torch.sqrt(variance.reshape(shape) + self.epsilon)
        self.renorm_mean.copy_(self.renorm_mean * rm + mean * (1.0 - rm))
        self.renorm_stddev.copy_(self.renorm_stddev * rm + stddev * (1.0 - rm))
        self.moving_mean.copy_(self.moving_mean * m + mean * (1.0 - m))
        new_stddev = self.moving_stddev * m + stddev * (1.0 - m)
        self.moving_stddev.copy_(new_stddev)
        self.moving_variance.copy_(F.relu(new_stddev * new_stddev - self.epsilon))

    # --- shapes and config -------------------------------------------------------------------------------
    def compute_output_shape(self, input_shape):
        check_axes_in_bounds(self.axis, input_shape)
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            **affine_config(self, moving_mean_initializer=initializers.serialize(self.moving_mean_initializer),
                            moving_variance_initializer=initializers.serialize(self.moving_variance_initializer)),
            "synchronized": self.synchronized,
            "renorm": self.renorm,
            "renorm_clipping": self.renorm_clipping,
            "renorm_momentum": self.renorm_momentum,
        })
        return config
