"""The string hashes TensorFlow uses for hash buckets, so `Hashing` and the OOV buckets of the lookup
layers put every value in the same bin as Keras:

- `fingerprint64`: FarmHash Fingerprint64 (farmhashna's Hash64), behind `tf.strings.to_hash_bucket_fast`.
- `siphash`: SipHash-2-4 with a 128-bit key `(k0, k1)`, behind `tf.strings.to_hash_bucket_strong`.

Both are written here from the published algorithms; the bucket is `hash % num_buckets` on the unsigned
64-bit value. Strings are hashed as their UTF-8 bytes.
"""
import functools
import struct

import numpy as np

_M = (1 << 64) - 1
_K0 = 0xC3A5C85C97CB3127
_K1 = 0xB492B66FBE98F273
_K2 = 0x9AE16A3B2F90404F


def _rot(v, s):
    return v if s == 0 else ((v >> s) | (v << (64 - s))) & _M


def _f64(b, i):
    return struct.unpack_from("<Q", b, i)[0]


def _f32(b, i):
    return struct.unpack_from("<I", b, i)[0]


def _smix(v):
    return v ^ (v >> 47)


def _len16(u, v, mul):
    a = ((u ^ v) * mul) & _M
    a ^= a >> 47
    b = ((v ^ a) * mul) & _M
    b ^= b >> 47
    return (b * mul) & _M


def _len0to16(b, n):
    if n >= 8:
        mul = (_K2 + n * 2) & _M
        a = (_f64(b, 0) + _K2) & _M
        c = _f64(b, n - 8)
        d = (_rot(c, 37) * mul + a) & _M
        e = ((_rot(a, 25) + c) * mul) & _M
        return _len16(d, e, mul)
    if n >= 4:
        mul = (_K2 + n * 2) & _M
        a = _f32(b, 0)
        return _len16((n + (a << 3)) & _M, _f32(b, n - 4), mul)
    if n > 0:
        y = (b[0] + (b[n >> 1] << 8)) & 0xFFFFFFFF
        z = (n + (b[n - 1] << 2)) & 0xFFFFFFFF
        return (_smix(((y * _K2) ^ (z * _K0)) & _M) * _K2) & _M
    return _K2


def _len17to32(b, n):
    mul = (_K2 + n * 2) & _M
    a = (_f64(b, 0) * _K1) & _M
    c = _f64(b, 8)
    d = (_f64(b, n - 8) * mul) & _M
    e = (_f64(b, n - 16) * _K2) & _M
    return _len16((_rot((a + c) & _M, 43) + _rot(d, 30) + e) & _M, (a + _rot((c + _K2) & _M, 18) + d) & _M, mul)


def _len33to64(b, n):
    mul = (_K2 + n * 2) & _M
    a = (_f64(b, 0) * _K2) & _M
    c = _f64(b, 8)
    d = (_f64(b, n - 8) * mul) & _M
    e = (_f64(b, n - 16) * _K2) & _M
    y = (_rot((a + c) & _M, 43) + _rot(d, 30) + e) & _M
    z = _len16(y, (a + _rot((c + _K2) & _M, 18) + d) & _M, mul)
    f = (_f64(b, 16) * mul) & _M
    g = _f64(b, 24)
    h = ((y + _f64(b, n - 32)) * mul) & _M
    i = ((z + _f64(b, n - 24)) * mul) & _M
    return _len16((_rot((f + g) & _M, 43) + _rot(h, 30) + i) & _M, (f + _rot((g + a) & _M, 18) + h) & _M, mul)


def _weak32(b, i, a, c):
    w, x, y, z = _f64(b, i), _f64(b, i + 8), _f64(b, i + 16), _f64(b, i + 24)
    a = (a + w) & _M
    c = _rot((c + a + z) & _M, 21)
    first = a
    a = (a + x + y) & _M
    c = (c + _rot(a, 44)) & _M
    return (a + z) & _M, (c + first) & _M


def _long(b, n):
    seed = 81
    x = seed
    y = (seed * _K1 + 113) & _M
    z = (_smix((y * _K2 + 113) & _M) * _K2) & _M
    v = (0, 0)
    w = (0, 0)
    x = (x * _K2 + _f64(b, 0)) & _M
    end = ((n - 1) // 64) * 64
    last64 = end + ((n - 1) & 63) - 63
    s = 0
    while True:
        x = (_rot((x + y + v[0] + _f64(b, s + 8)) & _M, 37) * _K1) & _M
        y = (_rot((y + v[1] + _f64(b, s + 48)) & _M, 42) * _K1) & _M
        x ^= w[1]
        y = (y + v[0] + _f64(b, s + 40)) & _M
        z = (_rot((z + w[0]) & _M, 33) * _K1) & _M
        v = _weak32(b, s, (v[1] * _K1) & _M, (x + w[0]) & _M)
        w = _weak32(b, s + 32, (z + w[1]) & _M, (y + _f64(b, s + 16)) & _M)
        z, x = x, z
        s += 64
        if s == end:
            break
    mul = (_K1 + ((z & 0xFF) << 1)) & _M
    s = last64
    w0 = (w[0] + ((n - 1) & 63)) & _M
    v0 = (v[0] + w0) & _M
    w0 = (w0 + v0) & _M
    w = (w0, w[1])
    v = (v0, v[1])
    x = (_rot((x + y + v[0] + _f64(b, s + 8)) & _M, 37) * mul) & _M
    y = (_rot((y + v[1] + _f64(b, s + 48)) & _M, 42) * mul) & _M
    x ^= (w[1] * 9) & _M
    y = (y + v[0] * 9 + _f64(b, s + 40)) & _M
    z = (_rot((z + w[0]) & _M, 33) * mul) & _M
    v = _weak32(b, s, (v[1] * mul) & _M, (x + w[0]) & _M)
    w = _weak32(b, s + 32, (z + w[1]) & _M, (y + _f64(b, s + 16)) & _M)
    z, x = x, z
    return _len16((_len16(v[0], w[0], mul) + _smix(y) * _K0 + z) & _M, (_len16(v[1], w[1], mul) + x) & _M, mul)


@functools.lru_cache(maxsize=65536)
def fingerprint64(data):
    """FarmHash Fingerprint64 of `data` (bytes, or str hashed as UTF-8), as an unsigned 64-bit int."""
    b = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    n = len(b)
    if n <= 16:
        return _len0to16(b, n)
    if n <= 32:
        return _len17to32(b, n)
    if n <= 64:
        return _len33to64(b, n)
    return _long(b, n)


def _sipround(v0, v1, v2, v3):
    v0 = (v0 + v1) & _M
    v1 = _rotl(v1, 13) ^ v0
    v0 = _rotl(v0, 32)
    v2 = (v2 + v3) & _M
    v3 = _rotl(v3, 16) ^ v2
    v0 = (v0 + v3) & _M
    v3 = _rotl(v3, 21) ^ v0
    v2 = (v2 + v1) & _M
    v1 = _rotl(v1, 17) ^ v2
    v2 = _rotl(v2, 32)
    return v0, v1, v2, v3


def _rotl(v, s):
    return ((v << s) | (v >> (64 - s))) & _M


@functools.lru_cache(maxsize=65536)
def siphash(key0, key1, data):
    """SipHash-2-4 of `data` (bytes, or str as UTF-8) with the key `(key0, key1)`, unsigned 64-bit."""
    b = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    k0, k1 = key0 & _M, key1 & _M
    v0 = k0 ^ 0x736F6D6570736575
    v1 = k1 ^ 0x646F72616E646F6D
    v2 = k0 ^ 0x6C7967656E657261
    v3 = k1 ^ 0x7465646279746573
    n = len(b)
    full = n - n % 8
    for i in range(0, full, 8):
        m = _f64(b, i)
        v3 ^= m
        v0, v1, v2, v3 = _sipround(*_sipround(v0, v1, v2, v3))
        v0 ^= m
    tail = b[full:] + bytes(7 - n % 8)
    m = int.from_bytes(tail, "little") | ((n & 0xFF) << 56)
    v3 ^= m
    v0, v1, v2, v3 = _sipround(*_sipround(v0, v1, v2, v3))
    v0 ^= m
    v2 ^= 0xFF
    for _ in range(4):
        v0, v1, v2, v3 = _sipround(v0, v1, v2, v3)
    return v0 ^ v1 ^ v2 ^ v3


def hash_buckets(values, num_buckets, salt=None):
    """`tf.strings.to_hash_bucket_fast` (or `_strong` with `salt=[k0, k1]`) of an array of strings, as an
    int64 NumPy array of the same shape."""
    flat = np.asarray(values, dtype=object).reshape(-1)
    if salt is None:
        hashes = [fingerprint64(_as_key(v)) % num_buckets for v in flat]
    else:
        hashes = [siphash(int(salt[0]), int(salt[1]), _as_key(v)) % num_buckets for v in flat]
    return np.asarray(hashes, dtype="int64").reshape(np.shape(values))


def _as_key(value):
    if isinstance(value, (bytes, str)):
        return value
    return str(value)
