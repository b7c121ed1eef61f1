"""A small QR code encoder (ISO/IEC 18004): byte mode, error correction level M, versions 1–10, drawn as SVG.

Enough for a URL of up to 213 bytes — the class URL a teacher shows (``http://192.168.1.20:8765/c/K7Q2M9XA``
is 37).  The steps, as the standard gives them:

1. data bits: mode ``0100`` (bytes), the byte count (8 bits; 16 from version 10), the bytes, a terminator,
   then the pad bytes ``0xEC 0x11`` … up to the version's data capacity;
2. the data split into blocks, each extended by Reed–Solomon error correction over GF(2⁸) (polynomial
   x⁸+x⁴+x³+x²+1, generator ∏(x − αⁱ), i < number of EC codewords), then interleaved block by block;
3. the function patterns (finders, separators, timing, alignment, the dark module, format and version
   information), the codeword bits placed in the two-column zigzag, and the mask of the eight whose
   penalty (the standard's four rules) is lowest.
"""

from __future__ import annotations

from html import escape

# version → (EC codewords per block, [(number of blocks, data codewords per block), …]) at level M
BLOCKS_M = {
    1: (10, [(1, 16)]), 2: (16, [(1, 28)]), 3: (26, [(1, 44)]), 4: (18, [(2, 32)]), 5: (24, [(2, 43)]),
    6: (16, [(4, 27)]), 7: (18, [(4, 31)]), 8: (22, [(2, 38), (2, 39)]), 9: (22, [(3, 36), (2, 37)]),
    10: (26, [(4, 43), (1, 44)]),
}  # fmt: skip
ALIGNMENT = {1: [], 2: [6, 18], 3: [6, 22], 4: [6, 26], 5: [6, 30], 6: [6, 34], 7: [6, 22, 38], 8: [6, 24, 42],
             9: [6, 26, 46], 10: [6, 28, 50]}  # fmt: skip
LEVEL_M = 0b00  # the format information's two bits for level M

# GF(2⁸) exponentials and logarithms, generator α = 2, modulo x⁸+x⁴+x³+x²+1 (0x11D)
EXP, LOG = [0] * 512, [0] * 256
_x = 1
for _i in range(255):
    EXP[_i], LOG[_x] = _x, _i
    _x = (_x << 1) ^ (0x11D if _x & 0x80 else 0)
for _i in range(255, 512):
    EXP[_i] = EXP[_i - 255]


def gf_mul(a: int, b: int) -> int:
    return 0 if a == 0 or b == 0 else EXP[LOG[a] + LOG[b]]


def rs_remainder(data: list[int], degree: int) -> list[int]:
    """The ``degree`` error-correction codewords of ``data``: data·x^degree mod ∏_{i<degree} (x − αⁱ)."""
    generator = [1]
    for i in range(degree):  # multiply by (x − αⁱ); in GF(2⁸) minus is plus
        generator = [a ^ gf_mul(b, EXP[i]) for a, b in zip([*generator, 0], [0, *generator], strict=True)]
    remainder = [0] * degree
    for byte in data:
        factor = byte ^ remainder[0]
        remainder = remainder[1:] + [0]
        for k in range(degree):
            remainder[k] ^= gf_mul(generator[k + 1], factor)
    return remainder


def codewords(data: bytes) -> tuple[int, list[int]]:
    """The smallest version holding ``data`` and its final sequence of codewords (data and EC, interleaved)."""
    for version, (_, groups) in BLOCKS_M.items():
        capacity = sum(n * size for n, size in groups)
        count_bits = 8 if version < 10 else 16
        if 4 + count_bits + 8 * len(data) <= 8 * capacity:
            break
    else:
        raise ValueError(f"{len(data)} bytes are too many for a QR code of version 10 (at most 213): use a shorter URL")
    ec = BLOCKS_M[version][0]
    bits = [0, 1, 0, 0] + [(len(data) >> i) & 1 for i in reversed(range(count_bits))]
    bits += [(byte >> i) & 1 for byte in data for i in reversed(range(8))]
    bits += [0] * min(4, 8 * capacity - len(bits))
    bits += [0] * (-len(bits) % 8)
    stream = [int("".join(map(str, bits[i : i + 8])), 2) for i in range(0, len(bits), 8)]
    stream += [(0xEC, 0x11)[k % 2] for k in range(capacity - len(stream))]
    blocks, start = [], 0
    for n, size in groups:
        for _ in range(n):
            blocks.append(stream[start : start + size])
            start += size
    out = [b[i] for i in range(max(map(len, blocks))) for b in blocks if i < len(b)]
    corrections = [rs_remainder(b, ec) for b in blocks]
    return version, out + [c[i] for i in range(ec) for c in corrections]


def _bch(value: int, generator: int, degree: int) -> int:
    """``value`` followed by its BCH check bits: the remainder of value·x^degree divided by ``generator``."""
    remainder = value << degree
    for shift in reversed(range(remainder.bit_length() - degree)):
        if remainder >> (shift + degree) & 1:
            remainder ^= generator << shift
    return value << degree | remainder


MASKS = (
    lambda r, c: (r + c) % 2 == 0, lambda r, c: r % 2 == 0, lambda r, c: c % 3 == 0, lambda r, c: (r + c) % 3 == 0,
    lambda r, c: (r // 2 + c // 3) % 2 == 0, lambda r, c: r * c % 2 + r * c % 3 == 0,
    lambda r, c: (r * c % 2 + r * c % 3) % 2 == 0, lambda r, c: ((r + c) % 2 + r * c % 3) % 2 == 0,
)  # fmt: skip


class _Symbol:
    """The module grid of one version: ``dark[r][c]``, and which modules are function patterns."""

    def __init__(self, version: int) -> None:
        self.version, self.size = version, 17 + 4 * version
        self.dark = [[False] * self.size for _ in range(self.size)]
        self.function = [[False] * self.size for _ in range(self.size)]
        n = self.size
        for r, c in ((0, 0), (0, n - 7), (n - 7, 0)):  # finders with their separators
            for dr in range(-1, 8):
                for dc in range(-1, 8):
                    if 0 <= r + dr < n and 0 <= c + dc < n:
                        ring = max(abs(dr - 3), abs(dc - 3))
                        self.set(r + dr, c + dc, ring != 2 and ring != 4)
        for i in range(8, n - 8):  # timing
            self.set(6, i, i % 2 == 0)
            self.set(i, 6, i % 2 == 0)
        centres = ALIGNMENT[version]
        last = len(centres) - 1
        for i, r in enumerate(centres):
            for j, c in enumerate(centres):
                if (i, j) not in ((0, 0), (0, last), (last, 0)):  # not over a finder
                    for dr in range(-2, 3):
                        for dc in range(-2, 3):
                            self.set(r + dr, c + dc, max(abs(dr), abs(dc)) != 1)
        self.format_bits(0)  # reserve the format areas (drawn again once the mask is chosen)
        if version >= 7:
            bits = _bch(version, 0x1F25, 12)
            for i in range(18):
                a, b = n - 11 + i % 3, i // 3
                self.set(b, a, bits >> i & 1 == 1)
                self.set(a, b, bits >> i & 1 == 1)

    def set(self, r: int, c: int, dark: bool) -> None:
        self.dark[r][c], self.function[r][c] = dark, True

    def format_bits(self, mask: int) -> None:
        """The 15 format bits (level M, ``mask``; BCH(15,5), XOR 0x5412), twice, and the dark module."""
        bits, n = _bch(LEVEL_M << 3 | mask, 0x537, 10) ^ 0x5412, self.size
        bit = [bits >> i & 1 == 1 for i in range(15)]
        for i in range(6):
            self.set(i, 8, bit[i])
        self.set(7, 8, bit[6])
        self.set(8, 8, bit[7])
        self.set(8, 7, bit[8])
        for i in range(9, 15):
            self.set(8, 14 - i, bit[i])
        for i in range(8):
            self.set(8, n - 1 - i, bit[i])
        for i in range(8, 15):
            self.set(n - 15 + i, 8, bit[i])
        self.set(n - 8, 8, True)

    def place(self, data: list[int]) -> None:
        """The codeword bits, most significant first, up and down column pairs from the right (skipping column 6)."""
        n, i, total = self.size, 0, 8 * len(data)
        right = n - 1
        while right >= 1:
            if right == 6:
                right = 5
            upward = (right + 1) & 2 == 0
            for vertical in range(n):
                r = n - 1 - vertical if upward else vertical
                for c in (right, right - 1):
                    if not self.function[r][c]:
                        self.dark[r][c] = i < total and (data[i >> 3] >> (7 - (i & 7))) & 1 == 1
                        i += 1
            right -= 2

    def masked(self, mask: int) -> list[list[bool]]:
        rule = MASKS[mask]
        self.format_bits(mask)
        return [[d != (not f and rule(r, c)) for c, (d, f) in enumerate(zip(row, fn, strict=True))]
                for r, (row, fn) in enumerate(zip(self.dark, self.function, strict=True))]  # fmt: skip


def penalty(grid: list[list[bool]]) -> int:
    """The standard's four penalty rules: runs of 5+, 2×2 blocks, finder-like patterns, and dark/light imbalance."""
    n, score = len(grid), 0
    lines = grid + [list(col) for col in zip(*grid, strict=True)]
    for line in lines:
        run = 1
        for a, b in zip(line[:-1], line[1:], strict=True):
            run = run + 1 if a == b else 1
            score += 3 if run == 5 else 1 if run > 5 else 0
        text = "".join("1" if d else "0" for d in line)
        score += 40 * sum(text.startswith(p, k) for p in ("10111010000", "00001011101") for k in range(n - 10))
    score += 3 * sum(grid[r][c] == grid[r][c + 1] == grid[r + 1][c] == grid[r + 1][c + 1]
                     for r in range(n - 1) for c in range(n - 1))  # fmt: skip
    dark = sum(map(sum, grid))
    score += 10 * (abs(20 * dark - 10 * n * n) // (n * n))
    return score


def qr_matrix(text: str) -> list[list[bool]]:
    """The QR code of ``text`` (UTF-8 bytes) as rows of modules, True for dark; no quiet zone."""
    version, data = codewords(text.encode("utf-8"))
    symbol = _Symbol(version)
    symbol.place(data)
    return min((symbol.masked(mask) for mask in range(8)), key=penalty)


def qr_svg(text: str, label: str = "QR code", border: int = 4) -> str:
    """The QR code of ``text`` as an inline SVG element: one path, a quiet zone of ``border`` modules."""
    grid = qr_matrix(text)
    size = len(grid) + 2 * border
    path = "".join(f"M{c + border},{r + border}h1v1h-1z" for r, row in enumerate(grid) for c, dark in enumerate(row) if dark)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" role="img" aria-label="{escape(label)}" '
            f'shape-rendering="crispEdges"><rect width="{size}" height="{size}" fill="#fff"/>'
            f'<path fill="#000" d="{path}"/></svg>')  # fmt: skip
