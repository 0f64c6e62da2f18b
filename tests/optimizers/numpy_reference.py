"""Keras's optimizer update rules re-implemented in NumPy (float64), from the formulas in
shared/reference/keras_semantics.md section 1.3. Each `step_*` updates `w` and `state` in place for one
gradient `g` at step `t` (counted from 1) with learning rate `lr`."""
import numpy as np


def init_state(name, w, **kw):
    zeros = np.zeros_like(w)
    if name == "sgd":
        return {"v": zeros.copy()}
    if name == "rmsprop":
        return {"s": zeros.copy(), "a": zeros.copy(), "m": zeros.copy()}
    if name in ("adam", "adamw", "nadam", "lamb"):
        return {"m": zeros.copy(), "v": zeros.copy(), "vhat": zeros.copy(), "prod": 1.0}
    if name == "adagrad":
        return {"acc": np.full_like(w, kw.get("initial_accumulator_value", 0.1))}
    if name == "adadelta":
        return {"eg": zeros.copy(), "edx": zeros.copy()}
    if name == "adamax":
        return {"m": zeros.copy(), "u": zeros.copy()}
    if name == "lion":
        return {"m": zeros.copy()}
    if name == "ftrl":
        return {"acc": np.full_like(w, kw.get("initial_accumulator_value", 0.1)), "lin": zeros.copy()}
    if name == "adafactor":
        if w.ndim >= 2:
            return {"r": np.zeros(w.shape[:-1]), "c": np.zeros(w.shape[:-2] + w.shape[-1:]), "v": zeros.copy()}
        return {"v": zeros.copy()}
    raise ValueError(name)


def step_sgd(w, g, s, lr, t, momentum=0.0, nesterov=False):
    if momentum == 0:
        w -= lr * g
        return
    s["v"] = momentum * s["v"] - lr * g
    if nesterov:
        w += momentum * s["v"] - lr * g
    else:
        w += s["v"]


def step_rmsprop(w, g, s, lr, t, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False):
    s["s"] = rho * s["s"] + (1 - rho) * g**2
    if centered:
        s["a"] = rho * s["a"] + (1 - rho) * g
        den = s["s"] - s["a"] ** 2 + epsilon
    else:
        den = s["s"] + epsilon
    inc = lr * g / np.sqrt(den)
    if momentum > 0:
        s["m"] = momentum * s["m"] + inc
        w -= s["m"]
    else:
        w -= inc


def step_adam(w, g, s, lr, t, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False):
    s["m"] += (1 - beta_1) * (g - s["m"])
    s["v"] += (1 - beta_2) * (g**2 - s["v"])
    v = s["v"]
    if amsgrad:
        s["vhat"] = np.maximum(s["vhat"], s["v"])
        v = s["vhat"]
    alpha = lr * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
    w -= alpha * s["m"] / (np.sqrt(v) + epsilon)


def step_adagrad(w, g, s, lr, t, epsilon=1e-7, initial_accumulator_value=0.1):
    s["acc"] += g**2
    w -= lr * g / np.sqrt(s["acc"] + epsilon)


def step_adadelta(w, g, s, lr, t, rho=0.95, epsilon=1e-7):
    s["eg"] = rho * s["eg"] + (1 - rho) * g**2
    delta = -np.sqrt(s["edx"] + epsilon) * g / np.sqrt(s["eg"] + epsilon)
    s["edx"] = rho * s["edx"] + (1 - rho) * delta**2
    w += lr * delta


def step_adamax(w, g, s, lr, t, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    s["m"] += (1 - beta_1) * (g - s["m"])
    s["u"] = np.maximum(beta_2 * s["u"], np.abs(g))
    w -= lr * s["m"] / ((1 - beta_1**t) * (s["u"] + epsilon))


def step_nadam(w, g, s, lr, t, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    mu_t = beta_1 * (1 - 0.5 * 0.96**t)
    mu_next = beta_1 * (1 - 0.5 * 0.96 ** (t + 1))
    s["prod"] = s["prod"] * mu_t
    prod = s["prod"]
    s["m"] += (1 - beta_1) * (g - s["m"])
    s["v"] += (1 - beta_2) * (g**2 - s["v"])
    m_hat = mu_next * s["m"] / (1 - prod * mu_next) + (1 - mu_t) * g / (1 - prod)
    v_hat = s["v"] / (1 - beta_2**t)
    w -= lr * m_hat / (np.sqrt(v_hat) + epsilon)


def step_lion(w, g, s, lr, t, beta_1=0.9, beta_2=0.99):
    w -= lr * np.sign(beta_1 * s["m"] + (1 - beta_1) * g)
    s["m"] = beta_2 * s["m"] + (1 - beta_2) * g


def step_ftrl(w, g, s, lr, t, learning_rate_power=-0.5, initial_accumulator_value=0.1,
              l1_regularization_strength=0.0, l2_regularization_strength=0.0,
              l2_shrinkage_regularization_strength=0.0, beta=0.0):
    l1 = l1_regularization_strength
    l2 = l2_regularization_strength + beta / (2 * lr)
    g_used = g + 2 * l2_shrinkage_regularization_strength * w
    new_acc = s["acc"] + g**2
    p = -learning_rate_power
    s["lin"] += g_used - (new_acc**p - s["acc"] ** p) / lr * w
    quad = new_acc**p / lr + 2 * l2
    w[...] = (np.clip(s["lin"], -l1, l1) - s["lin"]) / quad
    s["acc"] = new_acc


def step_lamb(w, g, s, lr, t, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    s["m"] += (1 - beta_1) * (g - s["m"])
    s["v"] += (1 - beta_2) * (g**2 - s["v"])
    update = (s["m"] / (1 - beta_1**t)) / (np.sqrt(s["v"] / (1 - beta_2**t)) + epsilon)
    w_norm = np.linalg.norm(w)
    u_norm = np.linalg.norm(update)
    ratio = w_norm / u_norm if w_norm > 0 and u_norm > 0 else 1.0
    w -= ratio * lr * update


def step_adafactor(w, g, s, lr, t, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3, clip_threshold=1.0,
                   relative_step=True):
    def rms(x):
        return np.sqrt(np.mean(x**2))

    if relative_step:
        lr = min(lr, 1 / np.sqrt(t))
    rho = min(lr, 1 / np.sqrt(t))
    alpha = max(epsilon_2, rms(w)) * rho
    sq = g**2 + epsilon_1
    beta = 1 - t**beta_2_decay
    if w.ndim >= 2:
        s["r"] = beta * s["r"] + (1 - beta) * sq.mean(axis=-1)
        s["c"] = beta * s["c"] + (1 - beta) * sq.mean(axis=-2)
        s["v"] = (s["r"] / s["r"].mean(axis=-1, keepdims=True))[..., None] * s["c"][..., None, :]
    else:
        s["v"] = beta * s["v"] + (1 - beta) * sq
    u = g / np.sqrt(s["v"])
    u = u / max(1.0, rms(u) / clip_threshold)
    w -= alpha * u


STEPS = {
    "sgd": step_sgd, "rmsprop": step_rmsprop, "adam": step_adam, "adamw": step_adam, "adagrad": step_adagrad,
    "adadelta": step_adadelta, "adamax": step_adamax, "nadam": step_nadam, "lion": step_lion, "ftrl": step_ftrl,
    "lamb": step_lamb, "adafactor": step_adafactor,
}


def run(name, weights, grad_steps, lr=0.001, weight_decay=None, lr_fn=None, **kw):
    """Apply `grad_steps` (a list of per-step gradient lists) and return the final weights (float64)."""
    weights = [np.array(w, dtype=np.float64) for w in weights]
    states = [init_state(name, w, **kw) for w in weights]
    for t, grads in enumerate(grad_steps, start=1):
        step_lr = lr_fn(t - 1) if lr_fn is not None else lr
        for w, g, s in zip(weights, grads, states):
            if weight_decay:
                w -= w * weight_decay * step_lr
            STEPS[name](w, np.asarray(g, dtype=np.float64), s, step_lr, t, **kw)
    return weights
