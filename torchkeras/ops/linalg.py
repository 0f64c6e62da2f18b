"""`keras.ops.linalg`: decompositions, inverses, solvers and norms of (batches of) matrices."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.backend import config
from torchkeras.ops.arguments import as_float as _float
from torchkeras.ops.arguments import low_precision_in_float32
from torchkeras.ops.core import _as_tensor
from torchkeras.ops.core import result_type
from torchkeras.ops.core import tensors
from torchkeras.ops.core import to_torch_dtype
from torchkeras.ops.operation import keras_op

_LINALG = "keras.src.ops.linalg"


def _export(name):
    return keras_export(f"keras.ops.{name}", f"keras.ops.linalg.{name}")


def _assert_2d(*arrays):
    for a in arrays:
        if a.dim() < 2:
            raise ValueError(f"Expected input to have rank >= 2. Received input with shape {tuple(a.shape)}.")


def _assert_square(*arrays):
    for a in arrays:
        m, n = a.shape[-2:]
        if m != n:
            raise ValueError(f"Expected a square matrix. Received non-square input with shape {tuple(a.shape)}")


def _square(x):
    x = _float(x)
    _assert_2d(x)
    _assert_square(x)
    return x


def _square_system(a, b):
    """`a @ x = b` operands: a float square matrix `a` and a float `b`."""
    a, b = tensors(a, b)
    return _square(a), _float(b)


@_export("cholesky")
@keras_op("Cholesky", module=_LINALG)
@low_precision_in_float32
def cholesky(x, upper=False):
    """Cholesky factor of a symmetric positive-definite matrix (lower, or upper if `upper`)."""
    x = _square(x)
    factor, info = torch.linalg.cholesky_ex(x, upper=upper)
    if x.device.type == "cpu" and bool((info != 0).any()):
        raise ValueError(
            "Cholesky decomposition failed: the input is not positive-definite "
            f"(leading minor of order {int(info.max())} is not positive)."
        )
    return factor


@_export("cholesky_inverse")
@keras_op("CholeskyInverse", module=_LINALG)
@low_precision_in_float32
def cholesky_inverse(x, upper=False):
    """Inverse of `A` given its Cholesky factor `x` (`A = x x^T`, or `x^T x` if `upper`)."""
    x = _square(x)
    return torch.cholesky_inverse(x, upper=upper)


@_export("det")
@keras_op("Det", module=_LINALG)
@low_precision_in_float32
def det(x):
    """Determinant of (batches of) square matrices."""
    return torch.linalg.det(_square(x))


@_export("eig")
@keras_op("Eig", module=_LINALG)
@low_precision_in_float32
def eig(x):
    """Eigenvalues and eigenvectors of a general square matrix (complex)."""
    return torch.linalg.eig(_square(x))


@_export("eigh")
@keras_op("Eigh", module=_LINALG)
@low_precision_in_float32
def eigh(x):
    """Eigenvalues (ascending) and eigenvectors of a symmetric/Hermitian matrix."""
    return torch.linalg.eigh(_square(x))


@_export("inv")
@keras_op("Inv", module=_LINALG)
@low_precision_in_float32
def inv(x):
    """Inverse of (batches of) square matrices."""
    return torch.linalg.inv(_square(x))


@_export("lu_factor")
@keras_op("LuFactor", module=_LINALG)
@low_precision_in_float32
def lu_factor(x):
    """LU factorization with partial pivoting: `(lu, pivots)`, pivots 0-based."""
    x = _float(x)
    _assert_2d(x)
    lu, pivots = torch.linalg.lu_factor(x)
    return lu, (pivots - 1).to(torch.int32)


@_export("norm")
@keras_op("Norm", module=_LINALG)
def norm(x, ord=None, axis=None, keepdims=False):
    """Vector norm (one axis) or matrix norm (two axes); `ord` as in `numpy.linalg.norm`."""
    x = x if isinstance(x, torch.Tensor) else _as_tensor(x)
    if x.dtype == torch.int64:
        dtype = config.floatx()
    else:
        dtype = result_type(x.dtype, float)
    x = x.to(to_torch_dtype(dtype))
    if isinstance(axis, list):
        axis = tuple(axis)
    if axis is None and ord is not None and x.dim() > 2:
        raise ValueError(
            "If `axis` is None, `ord` can only be given for 1-D or 2-D inputs. "
            f"Received: x.shape={tuple(x.shape)}, ord={ord}"
        )
    return torch.linalg.norm(x, ord=ord, dim=axis, keepdim=keepdims)


@_export("qr")
@keras_op("Qr", module=_LINALG)
@low_precision_in_float32
def qr(x, mode="reduced"):
    """QR decomposition: `(q, r)`; `mode` is `'reduced'` or `'complete'`."""
    if mode not in ("reduced", "complete"):
        raise ValueError(
            f"`mode` argument value not supported. Expected one of {{'reduced', 'complete'}}. Received: mode={mode}"
        )
    x = _float(x)
    _assert_2d(x)
    return torch.linalg.qr(x, mode=mode)


@_export("solve")
@keras_op("Solve", module=_LINALG)
@low_precision_in_float32
def solve(a, b):
    """Solve `a @ x = b` for `x` (`b` a vector or a matrix of right-hand sides)."""
    a, b = _square_system(a, b)
    if b.dim() < 1:
        raise ValueError(f"Expected input to have rank >= 1. Received scalar input {b}.")
    return torch.linalg.solve(a, b.to(a.dtype))


@_export("solve_triangular")
@keras_op("SolveTriangular", module=_LINALG)
@low_precision_in_float32
def solve_triangular(a, b, lower=False):
    """Solve `a @ x = b` for triangular `a` (upper unless `lower`)."""
    a, b = _square_system(a, b)
    b = b.to(a.dtype)
    if b.dim() == a.dim() - 1:
        return torch.linalg.solve_triangular(a, b.unsqueeze(-1), upper=not lower).squeeze(-1)
    return torch.linalg.solve_triangular(a, b, upper=not lower)


@_export("svd")
@keras_op("SVD", module=_LINALG)
@low_precision_in_float32
def svd(x, full_matrices=True, compute_uv=True):
    """Singular value decomposition `(u, s, vh)`, or just `s` if not `compute_uv`."""
    x = _float(x)
    _assert_2d(x)
    if not compute_uv:
        return torch.linalg.svdvals(x)
    return torch.linalg.svd(x, full_matrices=full_matrices)


@_export("lstsq")
@keras_op("Lstsq", module=_LINALG)
@low_precision_in_float32
def lstsq(a, b, rcond=None):
    """Least-squares solution of `a @ x = b`."""
    a, b = tensors(a, b)
    a, b = _float(a), _float(b)
    b = b.to(a.dtype)
    vector = b.dim() == 1
    if vector:
        b = b.unsqueeze(-1)
    if a.device.type == "cuda" or rcond is not None:
        # The pseudo-inverse honours `rcond` on every device (CUDA's gels has no rank cutoff).
        out = torch.linalg.pinv(a, rtol=rcond) @ b
    else:
        out = torch.linalg.lstsq(a, b, driver="gelsd").solution
    return out.squeeze(-1) if vector else out


@_export("matrix_rank")
@keras_op("MatrixRank", module=_LINALG)
@low_precision_in_float32
def matrix_rank(x, tol=None):
    """Rank of a matrix: singular values above `tol` (default: max(m, n) * eps * largest)."""
    x = _float(x)
    return torch.linalg.matrix_rank(x, atol=tol).to(torch.int32)


@_export("pinv")
@keras_op("Pinv", module=_LINALG)
@low_precision_in_float32
def pinv(x, rcond=None):
    """Moore-Penrose pseudo-inverse (singular values below `rcond` times the largest are dropped)."""
    x = _float(x)
    return torch.linalg.pinv(x, rtol=rcond)


@_export("jvp")
def jvp(fun, primals, tangents, has_aux=False):
    """Jacobian-vector product: `(fun(*primals), J @ tangents)` (plus `aux` if `has_aux`)."""
    return torch.func.jvp(fun, tuple(primals), tuple(tangents), has_aux=has_aux)
