"""Random draws from a `torch.Generator` that `torch.distributions` cannot seed: gamma (Marsaglia and
Tsang's method, vectorized), beta and Dirichlet."""
import torch

_MAX_ROUNDS = 64


def gamma(generator, alpha, shape, device, dtype=torch.float32):
    """Gamma(`alpha`, 1) draws of `shape` (`alpha` a number or a tensor broadcastable to `shape`)."""
    alpha = torch.broadcast_to(torch.as_tensor(alpha, dtype=torch.float64, device=device), shape)
    if bool((alpha <= 0).any()) or bool(torch.isnan(alpha).any()):
        raise ValueError(f"The gamma distribution needs `alpha > 0`. Received: alpha={alpha}")
    boost = alpha < 1.0
    a = torch.where(boost, alpha + 1.0, alpha)
    d = a - 1.0 / 3.0
    c = 1.0 / torch.sqrt(9.0 * d)
    out = torch.zeros_like(a)
    done = torch.zeros_like(a, dtype=torch.bool)
    for _ in range(_MAX_ROUNDS):
        x = torch.randn(a.shape, generator=generator, device=device, dtype=torch.float64)
        u = torch.rand(a.shape, generator=generator, device=device, dtype=torch.float64)
        v = (1.0 + c * x) ** 3
        safe_v = torch.clamp(v, min=1e-300)
        accept = (v > 0) & (torch.log(u) < 0.5 * x * x + d - d * v + d * torch.log(safe_v))
        out = torch.where(accept & ~done, d * v, out)
        done = done | accept
        if bool(done.all()):
            break
    u = torch.rand(a.shape, generator=generator, device=device, dtype=torch.float64)
    out = torch.where(boost, out * u ** (1.0 / alpha), out)
    return out.to(dtype)


def beta(generator, alpha, beta_, shape, device, dtype=torch.float32):
    """Beta(`alpha`, `beta_`) draws of `shape`."""
    x = gamma(generator, alpha, shape, device, torch.float64)
    y = gamma(generator, beta_, shape, device, torch.float64)
    return (x / (x + y)).to(dtype)


def dirichlet(generator, alpha, shape, device, dtype=torch.float32):
    """Dirichlet draws over the last axis of `shape`, all concentrations `alpha`."""
    draws = gamma(generator, alpha, shape, device, torch.float64)
    return (draws / draws.sum(dim=-1, keepdim=True)).to(dtype)
