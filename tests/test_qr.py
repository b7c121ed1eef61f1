"""The QR encoder (views/qr.py), checked against the standard's reference values and by reading its symbols back.

No QR decoder is installed, so `read_qr` below is one: written from the standard (ISO/IEC 18004) independently
of the encoder's layout code — it finds the function patterns its own way, matches the format information
against the standard's table of all eight level-M format strings, unmasks, reads the zigzag, checks every
block's Reed–Solomon syndromes are zero (evaluation at αⁱ, not the encoder's division) and parses byte mode.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from tinygrad_mm.views import qr

# ISO/IEC 18004 Table C.1: the format information strings for level M, masks 0–7 (bit 14 first)
FORMAT_M = ["101010000010010", "101000100100101", "101111001111100", "101101101001011",
            "100010111111001", "100000011001110", "100111110010111", "100101010100000"]  # fmt: skip
MASK_RULES = {
    0: lambda i, j: (i + j) % 2 == 0, 1: lambda i, j: i % 2 == 0, 2: lambda i, j: j % 3 == 0,
    3: lambda i, j: (i + j) % 3 == 0, 4: lambda i, j: (i // 2 + j // 3) % 2 == 0,
    5: lambda i, j: (i * j) % 2 + (i * j) % 3 == 0, 6: lambda i, j: ((i * j) % 2 + (i * j) % 3) % 2 == 0,
    7: lambda i, j: ((i * j) % 3 + (i + j) % 2) % 2 == 0,
}  # fmt: skip


def reserved(version: int, i: int, j: int) -> bool:
    """Is module (row i, column j) part of a function pattern or the format/version areas?"""
    n = 17 + 4 * version
    if (i < 9 and j < 9) or (i < 9 and j >= n - 8) or (i >= n - 8 and j < 9) or i == 6 or j == 6:
        return True
    if version >= 7 and ((i < 6 and n - 11 <= j < n - 8) or (j < 6 and n - 11 <= i < n - 8)):
        return True
    centres = qr.ALIGNMENT[version]
    corners = {(centres[0], centres[0]), (centres[0], centres[-1]), (centres[-1], centres[0])} if centres else set()
    return any(abs(i - a) <= 2 and abs(j - b) <= 2 for a in centres for b in centres if (a, b) not in corners)


def read_format(grid: list[list[bool]]) -> int:
    """The mask from the format information around the top-left finder (bits 14…0 along row 8, then up column 8)."""
    cells = [(8, c) for c in (0, 1, 2, 3, 4, 5, 7, 8)] + [(r, 8) for r in (7, 5, 4, 3, 2, 1, 0)]
    read = "".join("1" if grid[r][c] else "0" for r, c in cells)
    assert read in FORMAT_M, f"format bits {read} are not a level-M format string"
    n = len(grid)
    second = [(r, 8) for r in range(n - 1, n - 8, -1)] + [(8, c) for c in range(n - 8, n)]
    assert "".join("1" if grid[r][c] else "0" for r, c in second) == read, "the two copies of the format disagree"
    return FORMAT_M.index(read)


def syndromes_zero(block: list[int], ec: int) -> bool:
    def evaluate(x: int) -> int:
        value = 0
        for c in block:
            value = qr.gf_mul(value, x) ^ c
        return value

    return all(evaluate(qr.EXP[i]) == 0 for i in range(ec))


def read_qr(grid: list[list[bool]]) -> bytes:
    n = len(grid)
    version = (n - 17) // 4
    mask = MASK_RULES[read_format(grid)]
    bits = []
    column, upward = n - 1, True
    while column > 0:
        if column == 6:
            column -= 1
        rows = range(n - 1, -1, -1) if upward else range(n)
        for i in rows:
            for j in (column, column - 1):
                if not reserved(version, i, j) and not (i == n - 8 and j == 8):
                    bits.append(grid[i][j] != mask(i, j))
        column, upward = column - 2, not upward
    ec, groups = qr.BLOCKS_M[version]
    sizes = [size for count, size in groups for _ in range(count)]
    words = [int("".join("1" if b else "0" for b in bits[k : k + 8]), 2) for k in range(0, 8 * (sum(sizes) + ec * len(sizes)), 8)]
    blocks: list[list[int]] = [[] for _ in sizes]
    it = iter(words)
    for row in range(max(sizes)):
        for b, size in enumerate(sizes):
            if row < size:
                blocks[b].append(next(it))
    for _ in range(ec):
        for b in range(len(sizes)):
            blocks[b].append(next(it))
    assert all(syndromes_zero(block, ec) for block in blocks), "a block's Reed–Solomon syndromes are not zero"
    data = [c for block, size in zip(blocks, sizes, strict=True) for c in block[:size]]
    stream = "".join(f"{c:08b}" for c in data)
    assert stream[:4] == "0100", "not byte mode"
    count_bits = 8 if version < 10 else 16
    length = int(stream[4 : 4 + count_bits], 2)
    start = 4 + count_bits
    return bytes(int(stream[start + 8 * k : start + 8 * k + 8], 2) for k in range(length))


def test_reed_solomon_matches_the_tutorial_example():
    """'HELLO WORLD' at 1-M (thonky.com's worked example): its 16 data codewords and their 10 EC codewords."""
    data = [32, 91, 11, 120, 209, 114, 220, 77, 67, 64, 236, 17, 236, 17, 236, 17]
    assert qr.rs_remainder(data, 10) == [196, 35, 39, 119, 235, 215, 231, 226, 93, 23]


@pytest.mark.parametrize("mask", range(8))
def test_format_information_matches_the_standards_table(mask):
    assert format(qr._bch(qr.LEVEL_M << 3 | mask, 0x537, 10) ^ 0x5412, "015b") == FORMAT_M[mask]


def test_version_information_matches_the_standard():
    """ISO/IEC 18004 Table D.1: version 7 is 000111110010010100, version 10 is 001010010011010011."""
    assert format(qr._bch(7, 0x1F25, 12), "018b") == "000111110010010100"
    assert format(qr._bch(10, 0x1F25, 12), "018b") == "001010010011010011"


@pytest.mark.parametrize("text", [
    "http://127.0.0.1:8765/c/K7Q2M9XA",
    "http://192.168.100.200:65535/c/ABCDEFGH",
    "x",
    "http://[fe80::1]:8765/c/" + "Z" * 60,  # version 5: two blocks
    "é∂" * 30 + "http://a.b/" + "q" * 50,  # version 7: four blocks and version information
    "u" * 200,  # version 10: two block sizes, a 16-bit count
])  # fmt: skip
def test_every_symbol_reads_back(text):
    grid = qr.qr_matrix(text)
    assert read_qr(grid) == text.encode("utf-8")
    n = len(grid)
    for r, c in ((0, 0), (0, n - 7), (n - 7, 0)):  # the three finders: a dark ring, a light ring, a dark 3×3 core
        assert all(grid[r][c + k] and grid[r + 6][c + k] for k in range(7))
        assert not any(grid[r + 1][c + k] for k in range(1, 6))
        assert all(grid[r + 2 + a][c + 2 + b] for a in range(3) for b in range(3))


def test_too_long_is_refused_and_the_svg_is_one_path():
    with pytest.raises(ValueError, match="too many"):
        qr.qr_matrix("u" * 214)
    svg = ET.fromstring(qr.qr_svg("http://127.0.0.1:1/c/AAAA", label='a "label" <b>'))
    assert svg.get("aria-label") == 'a "label" <b>'
    assert [e.tag.rsplit("}", 1)[-1] for e in svg] == ["rect", "path"]
