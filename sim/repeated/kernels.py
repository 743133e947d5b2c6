"""Compiled (numba) versions of the match engine's hot loops, built on first use.

Each kernel is bit-identical to the numpy code path in :mod:`sim.repeated.engine` (a test compares them);
without numba, :func:`kernels` returns ``None`` and the engine runs on numpy alone.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _build_kernels() -> Any:
    """numba versions of the hot loops (bit-identical to the numpy code paths), or ``None``."""
    try:
        import numba
    except ImportError:  # pragma: no cover
        return None
    import types

    M1 = np.uint64(0xBF58476D1CE4E5B9)
    M2 = np.uint64(0x94D049BB133111EB)
    S30, S27, S31, S32, S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(32), np.uint64(11)
    LOW = np.uint64(0xFFFFFFFF)
    INV53 = 1.0 / (1 << 53)
    njit = numba.njit(cache=True, nogil=True)

    @numba.njit(cache=True, inline="always")
    def mix(x):
        x = x ^ (x >> S30)
        x = x * M1
        x = x ^ (x >> S27)
        x = x * M2
        return x ^ (x >> S31)

    @njit
    def uniform(keys, salt):
        out = np.empty(keys.shape[0], dtype=np.float64)
        for i in range(keys.shape[0]):
            out[i] = np.float64(mix(keys[i] ^ salt) >> S11) * INV53
        return out

    @njit
    def noisy(actions, keys, salt, threshold, n, out):
        for i in range(actions.shape[0]):
            a = actions[i]
            x = mix(keys[i] ^ salt)
            if (x >> S32) < threshold:
                k = n[i]
                if k > 1:
                    shift = np.int64(((x & LOW) * np.uint64(k - 1)) >> S32) + 1
                    a = (a + shift) % k
            out[i] = a

    @njit
    def step(intended, keys, salt_i, thr_i, n_own, opp_pos, salt_p, thr_p, n_opp, act_row, per_row):
        """Implementation noise into ``act_row``, then perception noise into ``per_row``."""
        m = intended.shape[0]
        for i in range(m):
            a = intended[i]
            if thr_i > 0:
                x = mix(keys[i] ^ salt_i)
                if (x >> S32) < thr_i:
                    k = n_own[i]
                    if k > 1:
                        a = (a + np.int64(((x & LOW) * np.uint64(k - 1)) >> S32) + 1) % k
            act_row[i] = a
        for i in range(m):
            b = np.int64(act_row[opp_pos[i]])
            if thr_p > 0:
                x = mix(keys[i] ^ salt_p)
                if (x >> S32) < thr_p:
                    k = n_opp[i]
                    if k > 1:
                        b = (b + np.int64(((x & LOW) * np.uint64(k - 1)) >> S32) + 1) % k
            per_row[i] = b

    @njit
    def summarise(a0, a1, lengths, A, B, w0, w1, c0, c1):
        N, T = a0.shape
        total = np.zeros((N, 2))
        disc = np.zeros((N, 2))
        coop = np.zeros(N, dtype=np.int64)
        coop_p = np.zeros((N, 2), dtype=np.int64)
        first = np.full(N, -1, dtype=np.int64)
        round_pay = np.zeros((T, 2))
        round_coop = np.zeros(T, dtype=np.int64)
        round_active = np.zeros(T, dtype=np.int64)
        for r in range(N):
            L = min(lengths[r], T)
            s0 = 0.0
            s1 = 0.0
            d0 = 0.0
            d1 = 0.0
            cb = 0
            cp0 = 0
            cp1 = 0
            fb = -1
            for t in range(L):
                i = a0[r, t]
                j = a1[r, t]
                u = A[i, j]
                v = B[i, j]
                s0 += u
                s1 += v
                d0 += u * w0[t]
                d1 += v * w1[t]
                round_pay[t, 0] += u
                round_pay[t, 1] += v
                round_active[t] += 1
                x = i == c0
                y = j == c1
                cp0 += x
                cp1 += y
                if x and y:
                    cb += 1
                    round_coop[t] += 1
                elif fb < 0:
                    fb = t
            total[r, 0] = s0
            total[r, 1] = s1
            disc[r, 0] = d0
            disc[r, 1] = d1
            coop[r] = cb
            coop_p[r, 0] = cp0
            coop_p[r, 1] = cp1
            first[r] = fb
        return total, disc, coop, coop_p, first, round_pay, round_coop, round_active

    return types.SimpleNamespace(mix=mix, uniform=uniform, noisy=noisy, step=step, summarise=summarise)


_UNBUILT: Any = object()
#: The compiled kernels once built (``None`` without numba); built on first use, not at import.
KERNELS: Any = _UNBUILT


def kernels() -> Any:
    """The numba kernels, compiled (or loaded from the cache) on first use."""
    global KERNELS
    if KERNELS is _UNBUILT:
        KERNELS = _build_kernels()
    return KERNELS
