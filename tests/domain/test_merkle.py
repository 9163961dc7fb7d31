"""The audit log's Merkle tree against RFC 6962's published test vectors, the RFC's own
recursive definitions, and a tampering verifier's every trick. No I/O."""

from __future__ import annotations

import hashlib

import pytest

from projections.audit.merkle import (
    EMPTY_ROOT,
    Frontier,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)


def h(hex_string: str) -> bytes:
    return bytes.fromhex(hex_string)


# ---------------------------------------------------------------------------------------------
# Reference test vectors (facts, copied as data). Sources:
#   google/certificate-transparency cpp/merkletree/merkle_tree_test.cc
#     kSHA256EmptyTreeHash, kInputs, kSHA256Roots, kSHA256Paths, kSHA256Proofs
#     (its leaf numbers are 1-based; they are 0-based indices here);
#   transparency-dev/merkle testonly/constants.go
#     LeafInputs, NodeHashes, RootHashes, CompactTrees, EmptyRootHash;
#   transparency-dev/merkle proof/verify_test.go
#     inclusionProofs, consistencyProofs (which adds the 6 -> 7 consistency proof).
# ---------------------------------------------------------------------------------------------

SHA256_EMPTY = h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")

LEAF_INPUTS = [h(x) for x in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
)]

# ROOTS[n] is the root of the tree of the first n inputs.
ROOTS = [h(x) for x in (
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
)]

# NODES[level][i]: every perfect subtree of the 8-leaf tree (level 0 = leaf hashes).
NODES = [[h(x) for x in level] for level in (
    ("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
     "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
     "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
     "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
     "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
     "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
     "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
     "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1"),
    ("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
     "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
     "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
     "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
    ("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
     "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
    ("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",),
)]

# COMPACT_TREES[n]: the compact range (frontier) of the first n leaves, as (level, index).
COMPACT_TREES = [
    [], [(0, 0)], [(1, 0)], [(1, 0), (0, 2)], [(2, 0)], [(2, 0), (0, 4)], [(2, 0), (1, 2)],
    [(2, 0), (1, 2), (0, 6)], [(3, 0)],
]

# (index, tree_size, proof)
INCLUSION_VECTORS = [
    (0, 1, []),
    (0, 8, [h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")]),
    (5, 8, [h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")]),
    (2, 3, [h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")]),
    (1, 5, [h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")]),
]

# (old_size, new_size, proof)
CONSISTENCY_VECTORS = [
    (1, 1, []),
    (1, 8, [h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")]),
    (6, 8, [h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")]),
    (2, 5, [h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")]),
    (6, 7, [h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")]),
]

REF_LEAVES = [leaf_hash(data) for data in LEAF_INPUTS]
SOME_HASH = h("abacaba000000000000000000000000000000000000000000060061e00123456")


# ---------------------------------------------------------------------------------------------
# The RFC 6962 section 2.1 definitions, transcribed recursively and naively, as an oracle.
# ---------------------------------------------------------------------------------------------

def largest_power_of_two_below(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def rfc_mth(d: list[bytes]) -> bytes:
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return d[0]
    k = largest_power_of_two_below(len(d))
    return node_hash(rfc_mth(d[:k]), rfc_mth(d[k:]))


def rfc_path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = largest_power_of_two_below(len(d))
    if m < k:
        return [*rfc_path(m, d[:k]), rfc_mth(d[k:])]
    return [*rfc_path(m - k, d[k:]), rfc_mth(d[:k])]


def rfc_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    if m == len(d):
        return [] if b else [rfc_mth(d)]
    k = largest_power_of_two_below(len(d))
    if m <= k:
        return [*rfc_subproof(m, d[:k], b), rfc_mth(d[k:])]
    return [*rfc_subproof(m - k, d[k:], False), rfc_mth(d[:k])]


def rfc_proof(m: int, d: list[bytes]) -> list[bytes]:
    return rfc_subproof(m, d, True)


MAX_N = 70
LEAVES = [leaf_hash(i.to_bytes(2, "big")) for i in range(2 * MAX_N + 2)]
ROOT_AT = [rfc_mth(LEAVES[:n]) for n in range(len(LEAVES) + 1)]


# ---------------------------------------------------------------------------------------------
# Published vectors
# ---------------------------------------------------------------------------------------------

def test_hash_primitives():
    assert EMPTY_ROOT == SHA256_EMPTY == root([])
    assert leaf_hash(b"") == ROOTS[1]
    assert [leaf_hash(data) for data in LEAF_INPUTS] == NODES[0]
    for level in range(1, 4):
        below = NODES[level - 1]
        assert NODES[level] == [node_hash(below[i], below[i + 1]) for i in range(0, len(below), 2)]


@pytest.mark.parametrize("size", range(9))
def test_roots_match_the_published_roots(size):
    assert root(REF_LEAVES[:size]) == ROOTS[size]
    assert root(tuple(REF_LEAVES[:size])) == ROOTS[size]
    assert rfc_mth(REF_LEAVES[:size]) == ROOTS[size]


@pytest.mark.parametrize("size", range(9))
def test_frontier_is_the_published_compact_range(size):
    frontier = Frontier()
    frontier.extend(REF_LEAVES[:size])
    assert frontier.size == size
    assert frontier.root() == ROOTS[size]
    assert frontier.to_list() == [NODES[level][i] for level, i in COMPACT_TREES[size]]


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION_VECTORS)
def test_published_inclusion_proofs(index, size, proof):
    assert inclusion_proof(REF_LEAVES[:size], index) == proof
    assert inclusion_proof(REF_LEAVES[:size], index) == rfc_path(index, REF_LEAVES[:size])
    assert verify_inclusion(REF_LEAVES[index], index, size, proof, ROOTS[size])


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY_VECTORS)
def test_published_consistency_proofs(old, new, proof):
    assert consistency_proof(REF_LEAVES, old, new) == proof
    assert consistency_proof(REF_LEAVES[:new], old, new) == rfc_proof(old, REF_LEAVES[:new])
    assert verify_consistency(old, new, ROOTS[old], ROOTS[new], proof)


# ---------------------------------------------------------------------------------------------
# Properties over every tree of 1..70 leaves
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("n", range(MAX_N + 1))
def test_root_matches_the_rfc_definition(n):
    assert root(LEAVES[:n]) == ROOT_AT[n]


@pytest.mark.parametrize("n", range(1, MAX_N + 1))
def test_every_inclusion_proof_verifies(n):
    leaves = LEAVES[:n]
    for index in range(n):
        proof = inclusion_proof(leaves, index)
        assert proof == rfc_path(index, leaves)
        assert verify_inclusion(leaves[index], index, n, proof, ROOT_AT[n])
        # Not for the neighbours, nor in (the real tree of) another size.
        for other in {index - 1, index + 1, index ^ 2} - {index}:
            assert not verify_inclusion(leaves[index], other, n, proof, ROOT_AT[n])
        for other_n in {n - 1, n + 1, n * 2, n // 2} - {n}:
            assert not verify_inclusion(leaves[index], index, other_n, proof, ROOT_AT[other_n])


@pytest.mark.parametrize("n", range(1, MAX_N + 1))
def test_every_consistency_proof_verifies(n):
    leaves = LEAVES[:n]
    for m in range(1, n + 1):
        proof = consistency_proof(leaves, m, n)
        assert proof == rfc_proof(m, leaves)
        assert verify_consistency(m, n, ROOT_AT[m], ROOT_AT[n], proof)
        # Not between (the real trees of) other sizes; from size 0 anything is consistent.
        for other_m in {m - 1, m + 1, m ^ 2} - {m, 0}:
            assert not verify_consistency(other_m, n, ROOT_AT[other_m], ROOT_AT[n], proof)
        for other_n in {n - 1, n + 1, n * 2, n // 2} - {n}:
            assert not verify_consistency(m, other_n, ROOT_AT[m], ROOT_AT[other_n], proof)
    assert consistency_proof(leaves, 0, n) == []
    assert verify_consistency(0, n, EMPTY_ROOT, ROOT_AT[n], [])


def test_frontier_agrees_with_root_at_every_size_and_survives_persistence():
    frontier = Frontier()
    assert (frontier.size, frontier.root(), frontier.to_list()) == (0, EMPTY_ROOT, [])
    for n, leaf in enumerate(LEAVES[:MAX_N], 1):
        frontier.append(leaf)
        assert frontier.size == n
        assert frontier.root() == ROOT_AT[n]
        restored = Frontier.from_list(frontier.size, frontier.to_list())
        assert (restored.size, restored.root()) == (n, ROOT_AT[n])
        restored.extend(LEAVES[n:MAX_N])
        assert restored.root() == ROOT_AT[MAX_N]
        assert len(frontier.to_list()) == n.bit_count()
    assert frontier.size == MAX_N


def test_frontier_refuses_a_state_that_cannot_be_right():
    good = Frontier()
    good.extend(LEAVES[:7])
    hashes = good.to_list()
    for size, stored in [(8, hashes), (6, hashes), (7, hashes[:2]), (7, [*hashes, SOME_HASH]),
                         (-1, []), (True, [LEAVES[0]]), (7, [*hashes[:2], b"short"]),
                         (1, LEAVES[0]), (0, "")]:
        with pytest.raises(ValueError, match="frontier"):
            Frontier.from_list(size, stored)
    with pytest.raises(ValueError, match="32 bytes"):
        good.append(b"not a hash")
    assert good.to_list() is not good.to_list()  # a copy: callers cannot corrupt the state


def test_generators_refuse_impossible_requests():
    for index in (-1, 8, 9):
        with pytest.raises(ValueError, match="outside a tree"):
            inclusion_proof(REF_LEAVES, index)
    with pytest.raises(ValueError, match="outside a tree"):
        inclusion_proof([], 0)
    for old, new in [(-1, 3), (4, 3), (3, 9), (0, 9)]:
        with pytest.raises(ValueError, match="no consistency proof"):
            consistency_proof(REF_LEAVES, old, new)
    assert consistency_proof([], 0, 0) == []


def test_larger_trees_across_power_of_two_boundaries():
    leaves = [leaf_hash(i.to_bytes(4, "big")) for i in range(1100)]
    frontier = Frontier()
    for n in (1023, 1024, 1025, 1100):
        frontier.extend(leaves[frontier.size:n])
        assert frontier.root() == root(leaves[:n]) == rfc_mth(leaves[:n])
    for n, index in [(1024, 0), (1024, 1023), (1025, 1024), (1100, 777)]:
        assert verify_inclusion(leaves[index], index, n, inclusion_proof(leaves[:n], index),
                                root(leaves[:n]))
    for m, n in [(1, 1100), (1023, 1024), (1024, 1025), (1025, 1100), (512, 1024), (700, 1100)]:
        assert verify_consistency(m, n, root(leaves[:m]), root(leaves[:n]),
                                  consistency_proof(leaves, m, n))


# ---------------------------------------------------------------------------------------------
# Adversarial verifiers
# ---------------------------------------------------------------------------------------------

def bit_flips(value: bytes):
    for bit in range(len(value) * 8):
        tampered = bytearray(value)
        tampered[bit // 8] ^= 1 << (bit % 8)
        yield bytes(tampered)


def flipped_bits(proof: list[bytes]):
    for i, element in enumerate(proof):
        for tampered in bit_flips(element):
            yield [*proof[:i], tampered, *proof[i + 1:]]


def mangled(proof: list[bytes], *extras: bytes):
    """Proofs one element too short, too long or shuffled."""
    if proof:
        yield proof[:-1]
        yield proof[1:]
        yield [proof[0], SOME_HASH, *proof[1:]]
        yield [*proof, proof[-1]]
        yield [proof[0], *proof]
        if len(proof) > 1:
            yield proof[::-1]
    for extra in (SOME_HASH, EMPTY_ROOT, *extras):
        yield [*proof, extra]
        yield [extra, *proof]


def adversarial_inclusion_cases():
    cases = [pytest.param(i, size, proof, REF_LEAVES, ROOTS[size], id=f"published-{i}-in-{size}")
             for i, size, proof in INCLUSION_VECTORS]
    cases += [pytest.param(i, n, inclusion_proof(LEAVES[:n], i), LEAVES, ROOT_AT[n],
                           id=f"{i}-in-{n}")
              for n in (2, 3, 7, 13, 32, 33, 70) for i in sorted({0, n // 3, n - 1})]
    return cases


@pytest.mark.parametrize(("index", "size", "proof", "leaves", "tree_root"),
                         adversarial_inclusion_cases())
def test_tampered_inclusion_proofs_are_rejected(index, size, proof, leaves, tree_root):
    leaf = leaves[index]
    assert verify_inclusion(leaf, index, size, proof, tree_root)
    for bad in [*flipped_bits(proof), *mangled(proof, tree_root, leaf)]:
        assert not verify_inclusion(leaf, index, size, bad, tree_root), bad
    for wrong_root in (EMPTY_ROOT, SOME_HASH, *bit_flips(tree_root)):
        assert not verify_inclusion(leaf, index, size, proof, wrong_root)
    for wrong_leaf in (SOME_HASH, leaf_hash(b"WrongLeaf"), *bit_flips(leaf)):
        assert not verify_inclusion(wrong_leaf, index, size, proof, tree_root)
    if size > 1:
        assert not verify_inclusion(tree_root, index, size, proof, tree_root)
    for other in {index - 1, index + 1, index ^ 2, size, size + 1} - {index}:
        assert not verify_inclusion(leaf, other, size, proof, tree_root)
    # Another tree size with the same root (the reference tests' probes), and with its own.
    for other_size in {size * 2, size // 2, index} - {size}:
        assert not verify_inclusion(leaf, index, other_size, proof, tree_root)
    for other_size in {size - 1, size + 1, size * 2, size // 2} - {size}:
        if other_size <= len(leaves):
            assert not verify_inclusion(leaf, index, other_size, proof, root(leaves[:other_size]))


def adversarial_consistency_cases():
    cases = [pytest.param(m, n, proof, ROOTS[m], ROOTS[n], id=f"published-{m}-to-{n}")
             for m, n, proof in CONSISTENCY_VECTORS]
    cases += [pytest.param(m, n, consistency_proof(LEAVES, m, n), ROOT_AT[m], ROOT_AT[n],
                           id=f"{m}-to-{n}")
              for m, n in [(1, 2), (3, 4), (4, 8), (5, 13), (16, 33), (31, 32), (40, 70),
                           (64, 70), (69, 70), (7, 7)]]
    return cases


@pytest.mark.parametrize(("old", "new", "proof", "old_root", "new_root"),
                         adversarial_consistency_cases())
def test_tampered_consistency_proofs_are_rejected(old, new, proof, old_root, new_root):
    assert verify_consistency(old, new, old_root, new_root, proof)
    for bad in [*flipped_bits(proof), *mangled(proof, old_root, new_root)]:
        assert not verify_consistency(old, new, old_root, new_root, bad), bad
    if proof:
        assert not verify_consistency(old, new, old_root, new_root, [])
        assert not verify_consistency(old, new, new_root, old_root, proof)  # swapped roots
    for wrong in (EMPTY_ROOT, SOME_HASH, *bit_flips(new_root)):
        assert not verify_consistency(old, new, old_root, wrong, proof)
    for wrong in (EMPTY_ROOT, SOME_HASH, *bit_flips(old_root)):
        assert not verify_consistency(old, new, wrong, new_root, proof)
    # Other sizes with the same roots (the reference tests' probes).
    for other_old in {old - 1, old + 1, old ^ 2, 0} - {old}:
        assert not verify_consistency(other_old, new, old_root, new_root, proof)
    for other_new in {new * 2, new // 2} - {new}:
        assert not verify_consistency(old, other_new, old_root, new_root, proof)


def test_consistency_edge_cases_of_rfc_9162():
    r1, r2 = ROOTS[1], ROOTS[2]
    # Always consistent: nothing to prove.
    assert verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    assert verify_consistency(0, 1, EMPTY_ROOT, r1, [])
    assert verify_consistency(1, 1, r1, r1, [])
    # Time travel, or a size-0 tree head that is not the empty tree.
    assert not verify_consistency(1, 0, r1, EMPTY_ROOT, [])
    assert not verify_consistency(2, 1, r2, r1, [])
    assert not verify_consistency(0, 1, r2, r1, [])
    assert not verify_consistency(0, 0, EMPTY_ROOT, r1, [])
    # Same size, different roots: a fork.
    assert not verify_consistency(1, 1, r1, r2, [])
    # Proof missing, or present when none is needed.
    assert not verify_consistency(1, 2, r1, r2, [])
    for old, new, old_root, new_root in [(0, 0, EMPTY_ROOT, EMPTY_ROOT), (0, 1, EMPTY_ROOT, r1),
                                         (1, 1, r1, r1)]:
        assert not verify_consistency(old, new, old_root, new_root, [EMPTY_ROOT])


def test_inclusion_edge_cases_of_rfc_9162():
    for index, size in [(0, 0), (1, 0), (1, 1), (2, 1), (5, 5)]:
        assert not verify_inclusion(ROOTS[1], index, size, [], ROOTS[1])
        assert not verify_inclusion(SOME_HASH, index, size, [], EMPTY_ROOT)
    leaf = leaf_hash(b"data")
    assert verify_inclusion(leaf, 0, 1, [], leaf)  # a one-leaf tree's root is its leaf
    assert not verify_inclusion(leaf, 0, 1, [], SOME_HASH)
    assert not verify_inclusion(SOME_HASH, 0, 1, [], leaf)


GOOD_INCLUSION = (REF_LEAVES[5], 5, 8, INCLUSION_VECTORS[2][2], ROOTS[8])
GOOD_CONSISTENCY = (6, 8, ROOTS[6], ROOTS[8], CONSISTENCY_VECTORS[2][2])
JUNK = [None, -1, -(2**70), 2**64, 2**64 + 5, 2**200, 1.0, 5.0, "5", b"5", True, False, [],
        b"", b"short", bytes(31), bytes(33), "x" * 32, SOME_HASH.hex(), object()]


@pytest.mark.parametrize("position", range(5))
def test_verifiers_answer_false_to_malformed_input_and_never_raise(position):
    for junk in JUNK:
        args = list(GOOD_INCLUSION)
        args[position] = junk
        assert verify_inclusion(*args) is False
        args = list(GOOD_CONSISTENCY)
        args[position] = junk
        assert verify_consistency(*args) is False


def test_verifiers_reject_proofs_with_malformed_elements():
    leaf, index, size, proof, tree_root = GOOD_INCLUSION
    old, new, old_root, new_root, cproof = GOOD_CONSISTENCY
    for bad_element in (b"", b"x", bytes(31), bytes(33), proof[0] + b"\x00", proof[0][:-1],
                        None, 7, proof[0].hex(), [proof[0]]):
        for i in range(3):
            bad = [*proof[:i], bad_element, *proof[i + 1:]]
            assert verify_inclusion(leaf, index, size, bad, tree_root) is False
            bad = [*cproof[:i], bad_element, *cproof[i + 1:]]
            assert verify_consistency(old, new, old_root, new_root, bad) is False
    for bad_proof in (b"".join(proof), "".join(p.hex() for p in proof), None, 3, {proof[0]},
                      iter(proof), [proof]):
        assert verify_inclusion(leaf, index, size, bad_proof, tree_root) is False
        assert verify_consistency(old, new, old_root, new_root, bad_proof) is False
    # Well-formed alternatives are accepted: tuples, bytearrays.
    assert verify_inclusion(bytearray(leaf), index, size, tuple(proof), bytearray(tree_root))
    assert verify_consistency(old, new, old_root, new_root, [bytearray(p) for p in cproof])


def test_huge_but_legal_sizes_do_not_verify_a_small_proof():
    leaf, _, _, proof, tree_root = GOOD_INCLUSION
    top = 2**64 - 1
    assert not verify_inclusion(leaf, top - 1, top, proof, tree_root)
    assert not verify_inclusion(leaf, 0, top, proof * 21 + [SOME_HASH], tree_root)
    assert not verify_consistency(top - 1, top, ROOTS[6], ROOTS[8], [SOME_HASH] * 64)
    assert not verify_consistency(1, top, ROOTS[1], ROOTS[8], [SOME_HASH] * 200)
