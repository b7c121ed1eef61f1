"""Join one-page PDFs (Graphviz's ``dot -Tpdf`` output, one per slide) into one PDF, in pure Python.

Graphviz draws one graph per call, so a slide deck is one PDF per step, joined here.
`read_objects` reads a PDF's objects through its cross-reference table (PDF 1.4) or
cross-reference stream and object streams (PDF 1.5, as newer cairo writes them);
`join_pdfs` renumbers every object of every file, points each page at one new page
tree, and writes a plain PDF with a classic cross-reference table.  References are
rewritten only outside strings and outside stream data, so no drawing is altered.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence

_OBJECT = re.compile(rb"(\d+)\s+(\d+)\s+obj\b")
_REFERENCE = re.compile(rb"(\d+)\s+(\d+)\s+R\b")
_STREAM = re.compile(rb"\bstream\r?\n")
_INHERITED = (b"/Resources", b"/MediaBox", b"/CropBox", b"/Rotate")


class PDFError(ValueError):
    """A PDF this reader cannot take apart (encrypted, damaged, or in a form it does not know)."""


def read_objects(pdf: bytes) -> tuple[dict[int, bytes], int]:
    """Every object of ``pdf`` (number → its text between ``obj`` and ``endobj``), and the catalog's number."""
    found = re.findall(rb"startxref\s+(\d+)", pdf)
    if not pdf.startswith(b"%PDF") or not found:
        raise PDFError("not a PDF (no %PDF header or startxref)")
    start = int(found[-1])
    objects: dict[int, bytes] = {}
    compressed: dict[int, tuple[int, int]] = {}  # object → (object stream, index)
    if pdf.startswith(b"xref", start):
        trailer = pdf[pdf.index(b"trailer", start) :]
        for number, offset in _xref_table(pdf[start : pdf.index(b"trailer", start)]):
            objects[number] = _body_at(pdf, offset)
    else:
        trailer = _body_at(pdf, start)
        for number, kind, a, b in _xref_stream(trailer, pdf):
            if kind == 1:
                objects[number] = _body_at(pdf, a)
            elif kind == 2:
                compressed[number] = (a, b)
    if b"/Encrypt" in _dictionary(trailer):
        raise PDFError("the PDF is encrypted")
    streams: dict[int, list[bytes]] = {}
    for number, (holder, index) in compressed.items():
        if holder not in streams:
            streams[holder] = _object_stream(objects[holder], objects)
        objects[number] = streams[holder][index]
    root = re.search(rb"/Root\s+(\d+)\s+\d+\s+R", _dictionary(trailer))
    if root is None:
        raise PDFError("the PDF has no /Root catalog")
    return objects, int(root.group(1))


def _xref_table(table: bytes) -> list[tuple[int, int]]:
    """(object number, byte offset) of every object in use, from a classic ``xref`` table."""
    out, lines, k = [], table.split(b"\n")[1:], 0
    while k < len(lines):
        head = lines[k].split()
        k += 1
        if len(head) != 2:
            continue
        first, count = int(head[0]), int(head[1])
        for n in range(count):
            offset, _, kind = lines[k + n].split()[:3]
            if kind == b"n":
                out.append((first + n, int(offset)))
        k += count
    return out


def _xref_stream(body: bytes, pdf: bytes) -> list[tuple[int, int, int, int]]:
    """(number, type, field 2, field 3) of every entry of a cross-reference stream."""
    head = _dictionary(body)
    widths = [int(w) for w in re.search(rb"/W\s*\[([^\]]*)\]", head).group(1).split()]  # type: ignore[union-attr]
    size = int(re.search(rb"/Size\s+(\d+)", head).group(1))  # type: ignore[union-attr]
    index = re.search(rb"/Index\s*\[([^\]]*)\]", head)
    ranges = [int(v) for v in index.group(1).split()] if index else [0, size]
    data = _decoded(body, {})
    row, out, at = sum(widths), [], 0
    for first, count in zip(ranges[0::2], ranges[1::2], strict=True):
        for n in range(count):
            fields, pos = [], at
            for w in widths:
                fields.append(int.from_bytes(data[pos : pos + w], "big") if w else 1)
                pos += w
            at += row
            out.append((first + n, *fields))
    return out


def _body_at(pdf: bytes, offset: int) -> bytes:
    """The object that starts at ``offset``: its text between ``N G obj`` and ``endobj`` (stream data kept whole)."""
    match = _OBJECT.match(pdf, offset) or _OBJECT.search(pdf, offset, offset + 40)
    if match is None:
        raise PDFError(f"no object at byte {offset}")
    begin = match.end()
    stream = _STREAM.search(pdf, begin)
    end = pdf.find(b"endobj", begin)
    if stream is not None and stream.start() < end:
        length = re.search(rb"/Length\s+(\d+)(\s+\d+\s+R)?", pdf[begin : stream.start()])
        if length is not None and not length.group(2):
            end = pdf.find(b"endobj", stream.end() + int(length.group(1)))
        else:  # an indirect /Length: the data ends at the first endstream then endobj after it
            end = pdf.find(b"endobj", pdf.find(b"endstream", stream.end()))
    if end < 0:
        raise PDFError(f"object at byte {offset} has no endobj")
    return pdf[begin:end].strip(b"\r\n ")


def _dictionary(body: bytes) -> bytes:
    """The part of an object before its stream data (the whole object if it has none)."""
    stream = _STREAM.search(body)
    return body if stream is None else body[: stream.start()]


def _decoded(body: bytes, objects: dict[int, bytes]) -> bytes:
    """A stream object's data, inflated if FlateDecode, with a PNG row predictor undone."""
    head, stream = _dictionary(body), _STREAM.search(body)
    if stream is None:
        raise PDFError("expected a stream object")
    length = re.search(rb"/Length\s+(\d+)(\s+(\d+)\s+\d+\s+R)?", head)
    if length is None:
        raise PDFError("a stream without /Length")
    n = int(objects[int(length.group(3))].split()[0]) if length.group(2) else int(length.group(1))
    data = body[stream.end() : stream.end() + n]
    if b"/FlateDecode" in head:
        data = zlib.decompress(data)
    predictor = re.search(rb"/Predictor\s+(\d+)", head)
    if predictor and int(predictor.group(1)) >= 10:
        columns = int(re.search(rb"/Columns\s+(\d+)", head).group(1))  # type: ignore[union-attr]
        data = _unpredict(data, columns)
    return data


def _unpredict(data: bytes, columns: int) -> bytes:
    """Undo PNG filters None (0) and Up (2), which cross-reference streams use."""
    out, previous = bytearray(), bytes(columns)
    for at in range(0, len(data), columns + 1):
        kind, row = data[at], bytearray(data[at + 1 : at + 1 + columns])
        if kind == 2:
            row = bytearray((a + b) & 0xFF for a, b in zip(row, previous, strict=False))
        elif kind != 0:
            raise PDFError(f"unsupported PNG predictor {kind} in a cross-reference stream")
        out += row
        previous = bytes(row)
    return bytes(out)


def _object_stream(body: bytes, objects: dict[int, bytes]) -> list[bytes]:
    """The objects packed in an object stream, in order."""
    head, data = _dictionary(body), _decoded(body, objects)
    count = int(re.search(rb"/N\s+(\d+)", head).group(1))  # type: ignore[union-attr]
    first = int(re.search(rb"/First\s+(\d+)", head).group(1))  # type: ignore[union-attr]
    numbers = [int(v) for v in data[:first].split()]
    offsets = numbers[1::2][:count] + [len(data) - first]
    return [data[first + a : first + b].strip() for a, b in zip(offsets, offsets[1:], strict=False)]


def _renumber(text: bytes, shift: int) -> bytes:
    """``text`` with every reference ``N G R`` made ``N+shift 0 R``, except inside strings and comments."""
    out, k = bytearray(), 0
    for string in re.finditer(rb"\((?:\\.|[^\\()]|\((?:\\.|[^\\()])*\))*\)|<(?!<)[0-9A-Fa-f\s]*>|%[^\r\n]*", text, re.S):
        out += _REFERENCE.sub(lambda m: b"%d 0 R" % (int(m.group(1)) + shift), text[k : string.start()])
        out += string.group(0)
        k = string.end()
    out += _REFERENCE.sub(lambda m: b"%d 0 R" % (int(m.group(1)) + shift), text[k:])
    return bytes(out)


def _pages(objects: dict[int, bytes], root: int) -> list[tuple[int, bytes]]:
    """Every page of the file in order, with the attributes it inherits from its page tree."""
    pages_ref = re.search(rb"/Pages\s+(\d+)\s+\d+\s+R", objects[root])
    if pages_ref is None:
        raise PDFError("the catalog has no /Pages")
    out, stack = [], [(int(pages_ref.group(1)), b"")]
    while stack:
        number, inherited = stack.pop()
        body = _dictionary(objects[number])
        if re.search(rb"/Type\s*/Pages\b", body):
            own = b"".join(m.group(0) + b" " for key in _INHERITED if (m := _entry(body, key)))
            kids = re.search(rb"/Kids\s*\[([^\]]*)\]", body)
            refs = [int(m.group(1)) for m in _REFERENCE.finditer(kids.group(1))] if kids else []
            stack += [(kid, own + inherited) for kid in reversed(refs)]
        else:
            out.append((number, inherited))
    return out


def _entry(body: bytes, key: bytes) -> re.Match[bytes] | None:
    """``key`` and its value in a dictionary (a reference, an array, a number or a one-level dictionary)."""
    return re.search(re.escape(key) + rb"\s*(\d+\s+\d+\s+R|\[[^\]]*\]|<<(?:[^<>]|<<[^<>]*>>)*>>|[\d.]+)", body)


def join_pdfs(files: Sequence[bytes]) -> bytes:
    """One PDF holding every page of ``files``, in order."""
    out_objects: list[tuple[int, bytes]] = []
    kids: list[int] = []
    shift = 2  # 1: the catalog, 2: the page tree
    for pdf in files:
        objects, root = read_objects(pdf)
        pages = dict(_pages(objects, root))
        for number, body in sorted(objects.items()):
            head = _dictionary(body)
            if number == root or re.search(rb"/Type\s*/(Pages|XRef|ObjStm|Catalog)\b", head):
                continue
            if number in pages:
                missing = b" ".join(m.group(0) for key in _INHERITED if key not in head and (m := _entry(pages[number], key)))
                body = re.sub(rb"/Parent\s+\d+\s+\d+\s+R", b"/Parent 2 0 R" + (b" " + missing if missing else b""), body, count=1)
                kids.append(number + shift)
                body = _renumber_keep_parent(body, shift)
            else:
                body = _renumber(head, shift) + body[len(head) :]
            out_objects.append((number + shift, body))
        shift += max(objects) + 1
    kids_text = b" ".join(b"%d 0 R" % k for k in kids)
    out_objects += [(1, b"<< /Type /Catalog /Pages 2 0 R >>"), (2, b"<< /Type /Pages /Kids [ %s ] /Count %d >>" % (kids_text, len(kids)))]
    return _write(out_objects, shift)


def _renumber_keep_parent(body: bytes, shift: int) -> bytes:
    """A page object renumbered, its new ``/Parent 2 0 R`` left as it is."""
    head = _dictionary(body)
    marker = b"/Parent 2 0 R"
    before, _, after = head.partition(marker)
    return _renumber(before, shift) + marker + _renumber(after, shift) + body[len(head) :]


def _write(objects: list[tuple[int, bytes]], size: int) -> bytes:
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for number, body in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    start = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        out += b"%010d 00000 n \n" % offsets[number] if number in offsets else b"0000000000 65535 f \n"
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, start)
    return bytes(out)


def page_count(pdf: bytes) -> int:
    """How many pages ``pdf`` has (read through its page tree)."""
    objects, root = read_objects(pdf)
    return len(_pages(objects, root))
