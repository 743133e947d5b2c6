"""Randomness in one place: seeds, child seeds, and counter-based random streams.

* :func:`resolve_seed` turns what a user passes (an int, a ``numpy.random.Generator`` or ``None``)
  into the recorded seed and the 64-bit key every stream derives from.
* :func:`run_seeds` gives each sweep run its child seed, exactly
  ``SeedSequence(root).spawn(n)[r]``, so a table does not depend on worker count or finishing order.
* Counter-based streams (:func:`counter_bits`, :func:`uniform`): random bits are a SplitMix64 hash
  of (key, round, stream), keyed per (seed, match, replicate, side) by :func:`row_keys` and
  :func:`side_keys`. A replicate's draws therefore do not depend on how many replicates run beside
  it or how they are chunked.
"""

from __future__ import annotations

import zlib

import numpy as np

from sim.errors import InputError

__all__ = ["resolve_seed", "run_seeds", "row_keys", "side_keys", "match_key", "mix64", "counter_bits",
           "round_salt", "uniform"]

_G1 = np.uint64(0x9E3779B97F4A7C15)
_G2 = np.uint64(0xC2B2AE3D27D4EB4F)
_G3 = np.uint64(0x165667B19E3779F9)
_INV53 = 1.0 / (1 << 53)


def resolve_seed(seed: "int | np.random.Generator | None") -> tuple[int | None, int]:
    """``(seed as given if an int, 64-bit key used)``; a ``None`` seed draws fresh entropy."""
    if seed is None:
        return None, int(np.random.SeedSequence().generate_state(1, np.uint64)[0])
    if isinstance(seed, np.random.Generator):
        return None, int(seed.integers(0, 2**63))
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise InputError(f"seed must be an integer, got {seed!r}", key="seed")
    if seed < 0:
        raise InputError(f"seed must be >= 0, got {seed}", key="seed")
    return int(seed), int(seed) & ((1 << 64) - 1)


def row_keys(seed_key: int, match_ids: np.ndarray, rep_ids: np.ndarray) -> np.ndarray:
    """Per-row 64-bit keys from the seed, the match id and the replicate id."""
    base = mix64(np.full(1, seed_key, dtype=np.uint64))[0]
    m = np.asarray(match_ids, dtype=np.uint64)
    r = np.asarray(rep_ids, dtype=np.uint64)
    return mix64(mix64(base ^ (m * _G1)) ^ (r * _G2))


def match_key(spec_row: str, spec_col: str) -> int:
    """Stable 32-bit id of a pairing (row spec, column spec) that seeds its random streams.

    A match draws the same numbers in :func:`play` and inside a tournament.
    """
    return zlib.crc32(f"{spec_row}\x00{spec_col}".encode())


def side_keys(keys: np.ndarray, side: int) -> np.ndarray:
    """Per-row keys of one side (0 = row player, 1 = column player) of each match."""
    return mix64(keys ^ (np.uint64(side + 1) * _G3))


def uniform(keys: np.ndarray, t: int, stream: int) -> np.ndarray:
    """Uniform [0, 1) draws, one per key, for round ``t`` and stream ``stream`` (53-bit resolution)."""
    return (counter_bits(keys, t, stream) >> np.uint64(11)).astype(np.float64) * _INV53


_MASK64 = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)


def mix64(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser on a uint64 array (a good 64-bit hash; wraps silently)."""
    x = np.array(x, dtype=np.uint64, copy=True)
    return _mix64_inplace(x)


def _mix64_inplace(x: np.ndarray) -> np.ndarray:
    y = x >> _S30
    x ^= y
    x *= _M1
    np.right_shift(x, _S27, out=y)
    x ^= y
    x *= _M2
    np.right_shift(x, _S31, out=y)
    x ^= y
    return x


def counter_bits(keys: np.ndarray, t: int, stream: int) -> np.ndarray:
    """64 random bits per key for round ``t`` and stream ``stream`` (counter-based, stateless)."""
    return _mix64_inplace(keys ^ round_salt(t, stream))


def round_salt(t: int, stream: int) -> np.uint64:
    """The 64-bit salt mixed into every key for round ``t`` and stream ``stream``."""
    return np.uint64((((t + 1) * _GOLDEN) ^ ((stream + 1) * 0xD1B54A32D192ED03)) & _MASK64)


def run_seeds(root: int, rows: np.ndarray) -> np.ndarray:
    """Seed of each run ``r``: the first 63 bits of ``SeedSequence(root).spawn(n)[r].generate_state(1, uint64)``.

    Computed for all runs at once by the same integer hash as :class:`numpy.random.SeedSequence`
    (O'Neill's seed_seq mixing, pool size 4), which tests check against numpy itself.
    """
    rows = np.asarray(rows, dtype=np.int64)
    if len(rows) == 0 or rows.max() >= 2**32:
        return np.array([int(np.random.SeedSequence(root, spawn_key=(int(r),)).generate_state(1, np.uint64)[0]) >> 1
                         for r in rows], dtype=np.int64)
    words = [int(w) for w in _uint32_words(int(root))]
    words += [0] * (_POOL - len(words)) if len(words) < _POOL else []
    entropy = [np.full(len(rows), w, dtype=np.uint32) for w in words] + [rows.astype(np.uint32)]
    with np.errstate(over="ignore"):
        h = [np.uint32(_INIT_A)]

        def hashmix(value):
            value = value ^ h[0]
            h[0] = np.uint32(int(h[0]) * _MULT_A & 0xFFFFFFFF)
            value = value * h[0]
            return value ^ (value >> np.uint32(16))

        def mix(x, y):
            r = np.uint32(_MIX_L) * x - np.uint32(_MIX_R) * y
            return r ^ (r >> np.uint32(16))

        pool = [hashmix(entropy[i]) for i in range(_POOL)]
        for src in range(_POOL):
            for dst in range(_POOL):
                if src != dst:
                    pool[dst] = mix(pool[dst], hashmix(pool[src]))
        for src in range(_POOL, len(entropy)):
            for dst in range(_POOL):
                pool[dst] = mix(pool[dst], hashmix(entropy[src]))
        hc = _INIT_B
        state = []
        for k in range(2):
            value = pool[k] ^ np.uint32(hc)
            hc = hc * _MULT_B & 0xFFFFFFFF
            value = value * np.uint32(hc)
            state.append(value ^ (value >> np.uint32(16)))
    word = state[0].astype(np.uint64) | (state[1].astype(np.uint64) << np.uint64(32))
    return (word >> np.uint64(1)).astype(np.int64)


_POOL = 4
_INIT_A, _MULT_A, _INIT_B, _MULT_B = 0x43B0D7E5, 0x931E8875, 0x8B51F9DD, 0x58F38DED
_MIX_L, _MIX_R = 0xCA01F9DD, 0x4973F715


def _uint32_words(value: int) -> list[int]:
    if value == 0:
        return [0]
    out = []
    while value > 0:
        out.append(value & 0xFFFFFFFF)
        value >>= 32
    return out
