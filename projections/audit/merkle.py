"""An RFC 6962 / RFC 9162 Merkle tree (as in Certificate Transparency), without any I/O.

Leaves are hashed as SHA-256(0x00 || data), interior nodes as SHA-256(0x01 || left || right),
and a tree of n > 1 leaves splits at k, the largest power of two smaller than n.  Everything
except `leaf_hash` works on already-hashed leaves, indexed from 0.

The proof generators raise ValueError on arguments that make no sense; the verifiers never
raise, they answer False to anything they cannot verify (including malformed input).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
_MAX_SIZE = 1 << 64  # tree sizes are uint64 in RFC 9162
_sha256 = hashlib.sha256


LEAF_PREFIX = b"\x00"


def leaf_hash(data: bytes) -> bytes:
    """MTH of a one-leaf tree: SHA-256(0x00 || data)."""
    return _sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """An interior node: SHA-256(0x01 || left || right)."""
    return _sha256(b"\x01" + left + right).digest()


def _fold(leaf_hashes: Iterable[bytes]) -> bytes:
    """MTH in O(n) time and O(log n) memory: keep the roots of the perfect subtrees so far."""
    stack: list[bytes] = []
    for count, h in enumerate(leaf_hashes, 1):
        while not count & 1:  # one merge per trailing zero bit of the new size
            h = _sha256(b"\x01" + stack.pop() + h).digest()
            count >>= 1
        stack.append(h)
    if not stack:
        return EMPTY_ROOT
    h = stack.pop()
    while stack:
        h = _sha256(b"\x01" + stack.pop() + h).digest()
    return h


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """The RFC 6962 Merkle Tree Hash of the given leaf hashes (SHA-256("") when empty)."""
    return _fold(leaf_hashes)


class Frontier:
    """A compact range [0, size): the roots of the perfect subtrees of the tree, largest first.

    Appending is O(1) amortised (O(log n) worst case); `root()` is O(log n).  `to_list()` and
    `from_list()` persist it, so a projection can carry the tree across batches.
    """

    __slots__ = ("_hashes", "_size")

    def __init__(self) -> None:
        self._size = 0
        self._hashes: list[bytes] = []

    @property
    def size(self) -> int:
        return self._size

    def append(self, leaf_hash: bytes) -> None:
        if not _is_hash(leaf_hash):
            raise ValueError("a leaf hash must be 32 bytes")
        h, count, hashes = bytes(leaf_hash), self._size, self._hashes
        while count & 1:
            h = _sha256(b"\x01" + hashes.pop() + h).digest()
            count >>= 1
        hashes.append(h)
        self._size += 1

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        for h in leaf_hashes:
            self.append(h)

    def root(self) -> bytes:
        if not self._hashes:
            return EMPTY_ROOT
        h = self._hashes[-1]
        for left in reversed(self._hashes[:-1]):
            h = node_hash(left, h)
        return h

    def to_list(self) -> list[bytes]:
        return list(self._hashes)

    @classmethod
    def from_list(cls, size: int, hashes: Sequence[bytes]) -> Frontier:
        if not _is_size(size):
            raise ValueError(f"invalid frontier size {size!r}")
        if isinstance(hashes, (bytes, bytearray, str)) or len(hashes) != size.bit_count():
            raise ValueError(f"a frontier of size {size} has {size.bit_count()} hashes")
        if not all(_is_hash(h) for h in hashes):
            raise ValueError("frontier hashes must be 32 bytes")
        frontier = cls()
        frontier._size, frontier._hashes = size, [bytes(h) for h in hashes]
        return frontier

    def __repr__(self) -> str:
        return f"Frontier(size={self._size}, root={self.root().hex()})"


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int) -> list[bytes]:
    """PATH(index, D[n]) of RFC 6962 section 2.1.1 (RFC 9162 2.1.3.1), leaf-side first."""
    if not 0 <= index < len(leaf_hashes):
        raise ValueError(f"leaf index {index} is outside a tree of {len(leaf_hashes)}")
    path: list[bytes] = []  # collected root-side first
    lo, hi = 0, len(leaf_hashes)
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            path.append(_fold(leaf_hashes[lo + k:hi]))
            hi = lo + k
        else:
            path.append(_fold(leaf_hashes[lo:lo + k]))
            lo += k
    return path[::-1]


def consistency_proof(leaf_hashes: Sequence[bytes], old_size: int, new_size: int) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 6962 section 2.1.2 (RFC 9162 2.1.4.1) for m=old_size, n=new_size."""
    if not 0 <= old_size <= new_size <= len(leaf_hashes):
        raise ValueError(f"no consistency proof from {old_size} to {new_size} "
                         f"over {len(leaf_hashes)} leaves")
    if old_size in (0, new_size):
        return []
    path: list[bytes] = []  # collected root-side first
    lo, hi, m, on_left_edge = 0, new_size, old_size, True
    while m != hi - lo:
        k = _split(hi - lo)
        if m <= k:
            path.append(_fold(leaf_hashes[lo + k:hi]))
            hi = lo + k
        else:
            path.append(_fold(leaf_hashes[lo:lo + k]))
            lo, m, on_left_edge = lo + k, m - k, False
    if not on_left_edge:  # the old tree's root is not a node of the new tree: give it
        path.append(_fold(leaf_hashes[lo:hi]))
    return path[::-1]


def _is_size(n: object) -> bool:
    return type(n) is int and 0 <= n < _MAX_SIZE


def _is_hash(h: object) -> bool:
    return isinstance(h, (bytes, bytearray)) and len(h) == HASH_SIZE


def _is_proof(proof: object) -> bool:
    return isinstance(proof, (list, tuple)) and all(_is_hash(p) for p in proof)


def verify_inclusion(leaf_hash: bytes, index: int, tree_size: int,
                     proof: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 section 2.1.3.2: does `proof` show leaf `index` of `tree_size` is `leaf_hash`?"""
    if not (_is_size(index) and _is_size(tree_size) and _is_hash(leaf_hash)
            and _is_hash(root) and _is_proof(proof)) or index >= tree_size:
        return False
    fn, sn, r = index, tree_size - 1, bytes(leaf_hash)
    for p in proof:
        if sn == 0:
            return False  # proof too long
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes,
                       proof: Sequence[bytes]) -> bool:
    """RFC 9162 section 2.1.4.2: is the tree (`new_size`, `new_root`) an append-only extension
    of (`old_size`, `old_root`)?  A size-0 tree head must carry the empty-tree root."""
    if not (_is_size(old_size) and _is_size(new_size) and _is_hash(old_root)
            and _is_hash(new_root) and _is_proof(proof)) or old_size > new_size:
        return False
    if old_size == 0:
        return not proof and old_root == EMPTY_ROOT and (new_size > 0 or new_root == EMPTY_ROOT)
    if old_size == new_size:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is a node of the new tree
        path.insert(0, bytes(old_root))
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = bytes(path[0])
    for c in path[1:]:
        if sn == 0:
            return False  # proof too long
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == old_root and sr == new_root
