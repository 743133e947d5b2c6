"""numba versions of the match engine's hot loops (imported by :func:`sim.repeated.kernels.kernels` only).

Module-level functions compiled with ``cache=True``, so a new process loads them from numba's disk
cache instead of compiling them again (closures miss that cache: their cells pickle differently in
every process). Each is bit-identical to the numpy code path in :mod:`sim.repeated.engine`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

M1 = np.uint64(0xBF58476D1CE4E5B9)
M2 = np.uint64(0x94D049BB133111EB)
S30, S27, S31, S32, S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(32), np.uint64(11)
LOW = np.uint64(0xFFFFFFFF)
INV53 = 1.0 / (1 << 53)


@njit(cache=True, inline="always")
def mix(x):
    """splitmix64's finaliser (:func:`sim._random.mix64`)."""
    x = x ^ (x >> S30)
    x = x * M1
    x = x ^ (x >> S27)
    x = x * M2
    return x ^ (x >> S31)


@njit(cache=True, nogil=True)
def uniform(keys, salt):
    """Uniform [0, 1) draws, one per key (53 bits of the hash of ``key ^ salt``)."""
    out = np.empty(keys.shape[0], dtype=np.float64)
    for i in range(keys.shape[0]):
        out[i] = np.float64(mix(keys[i] ^ salt) >> S11) * INV53
    return out


@njit(cache=True, nogil=True)
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


@njit(cache=True, nogil=True)
def summarise(a0, a1, lengths, A, B, w0, w1, c0, c1):
    """Per-row totals, discounted totals, cooperation counts, first breakdown; per-round sums."""
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
