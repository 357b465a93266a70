"""Reading input: files, directories, JSON Lines, gzip, and stdin, in any common Chinese encoding.

Readers are lazy: documents are produced one at a time so a folder of 100,000 articles never
sits in memory. A source that cannot be read becomes a `SourceError` value in the stream, not
an exception that would stop the run: the caller reports it and goes on with the rest.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator, Union

from .limits import InputLimits, LongLine, TooLarge, bounded_lines, head, peekable, read_bounded
from .model import Document

TEXT_SUFFIXES = {".txt", ".md", ".text", ".csv", ".tsv", ""}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
TITLE_MAX = 80


@dataclass(frozen=True, slots=True)
class SourceError:
    """An input that could not be read, and why (file name first, so users can find it)."""

    source: str
    reason: str

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"


Item = Union[Document, SourceError]


class NotText(ValueError):
    """Raised by `decode` for bytes that are no text in any encoding we accept."""


def decode(data: bytes) -> str:
    """Bytes → text: UTF-8 (with or without BOM), UTF-16 (with or without BOM), GB18030/GBK.

    Without a BOM, UTF-8 is tried first (it rarely decodes anything else); GB18030 and BOM-less
    UTF-16 both accept many byte strings, so the one whose result looks most like Chinese or
    ASCII text wins.
    """
    if data.startswith(codecs.BOM_UTF8):
        return _checked(data[3:].decode("utf-8", errors="strict"))
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _checked(data.decode("utf-16"))
    try:
        return _checked(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    candidates = []
    for encoding in ("gb18030", "utf-16-le", "utf-16-be"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        candidates.append((_plausibility(text), encoding, text))
    if not candidates or max(candidates)[0] < 0.9:
        raise NotText("binary data, or not UTF-8, UTF-16 or GB18030 text")
    return _checked(max(candidates)[2])


def _plausibility(text: str) -> float:
    """Share of characters that ordinary Chinese or English text is made of."""
    sample = text[:4000]
    if not sample:
        return 0.0
    common = sum(1 for ch in sample if (" " <= ch <= "~") or ch in "\n\r\t"
                 or 0x4E00 <= ord(ch) <= 0x9FFF or 0x3000 <= ord(ch) <= 0x303F or 0xFF00 <= ord(ch) <= 0xFFEF
                 or ch in "“”‘’•·—…")
    return common / len(sample)


def _checked(text: str) -> str:
    controls = sum(1 for ch in text[:5000] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if "\x00" in text or controls > max(3, len(text[:5000]) // 50):
        raise NotText("binary data (control characters)")
    return text


def title_of(text: str) -> str:
    """The first non-empty line, shortened: what a person would call the article."""
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line if len(line) <= TITLE_MAX else line[: TITLE_MAX - 1] + "…"
    return ""


def read_documents(inputs: Iterable[str | Path], stdin: BinaryIO | None = None,
                   limits: InputLimits = InputLimits()) -> Iterator[Item]:
    """Every document of every input, in order; unreadable inputs as `SourceError` items.

    An input is a file (text or JSON Lines, optionally .gz), a directory (read recursively, in
    sorted order, hidden files skipped) or "-" for standard input. Reading is bounded by
    `limits` (see kg.limits): a document, file or line over them is a SourceError, the rest goes on.
    """
    for spec in inputs:
        if str(spec) == "-":
            stream = stdin if stdin is not None else sys.stdin.buffer
            yield from _read_stream("stdin", "stdin", peekable(stream), limits)
            continue
        path = Path(spec)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file()
                           and not any(part.startswith(".") for part in p.relative_to(path).parts))
            for file in files:
                yield from _read_file(file, _doc_id(file.relative_to(path)), limits)
        elif path.exists():
            yield from _read_file(path, _doc_id(Path(path.name)), limits)
        else:
            yield SourceError(str(path), "no such file or directory")


def _doc_id(relative: Path) -> str:
    name = relative.name
    for suffix in (".gz", *JSONL_SUFFIXES, *TEXT_SUFFIXES - {""}):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return str(relative.with_name(name)) if name else str(relative)


_READ_ERRORS = (OSError, EOFError, gzip.BadGzipFile, zlib.error)


def _read_file(path: Path, doc_id: str, limits: InputLimits) -> Iterator[Item]:
    try:
        stream = gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")
    except OSError as exc:
        yield SourceError(str(path), f"cannot read: {exc}")
        return
    with stream:
        yield from _read_stream(str(path), doc_id, stream, limits)


def _read_stream(source: str, doc_id: str, stream: BinaryIO, limits: InputLimits) -> Iterator[Item]:
    """A stream in bounded chunks: JSON Lines (by name, or a first line that is a JSON object)
    line by line; anything else (and UTF-16, whose lines are not split at a byte) whole, up
    to the limit. A read error stops this input only, after what was read before it."""
    try:
        start = head(stream)
        utf16 = start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in start
        if not utf16 and (_jsonl_name(source) or start.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")):
            yield from _read_jsonl_stream(source, doc_id, stream, limits)
        else:
            yield from _read_bytes(source, doc_id, read_bounded(stream, limits.max_doc_bytes), limits)
    except TooLarge as exc:
        yield SourceError(source, limits.too_many_bytes(exc.read, source.endswith(".gz")))
    except _READ_ERRORS as exc:
        yield SourceError(source, f"cannot read: {exc}")


def _read_jsonl_stream(source: str, doc_id: str, stream: BinaryIO, limits: InputLimits) -> Iterator[Item]:
    """Line by line; a file not named .jsonl whose first line is no JSON object is one document."""
    lines = bounded_lines(stream, limits.max_line_bytes)
    number, first = 0, b""
    if not _jsonl_name(source):
        for number, first in enumerate(lines, 1):
            if isinstance(first, LongLine) or first.strip():
                break
        if isinstance(first, LongLine):
            raise TooLarge(first.length)
        if not _is_json_object(first):
            data = first + read_bounded(stream, limits.max_doc_bytes, len(first))
            yield from _read_bytes(source, doc_id, data, limits)
            return
        yield from _jsonl_records(source, [(number, first)], limits)
    yield from _jsonl_records(source, enumerate(lines, number + 1), limits)


def _jsonl_name(source: str) -> bool:
    return source.removesuffix(".gz").endswith(tuple(JSONL_SUFFIXES))


def _is_json_object(line: bytes) -> bool:
    try:
        return isinstance(json.loads(line.decode("utf-8-sig")), dict)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return False


def _jsonl_records(source: str, lines: Iterable[tuple[int, bytes | LongLine]], limits: InputLimits) -> Iterator[Item]:
    for number, line in lines:
        if isinstance(line, LongLine):
            yield SourceError(f"{source}:{number}", limits.line_too_long(line.length))
            continue
        if not line.strip():
            continue
        try:
            text = decode(line)
        except NotText as exc:
            yield SourceError(f"{source}:{number}", f"not a text line: {exc}")
            continue
        yield from _read_jsonl(source, [(number, text.lstrip("\ufeff"))], limits)


def _read_bytes(source: str, doc_id: str, data: bytes, limits: InputLimits = InputLimits()) -> Iterator[Item]:
    try:
        text = decode(data)
    except NotText as exc:
        yield SourceError(source, f"not a text file: {exc}")
        return
    if _looks_like_jsonl(source, text):
        yield from _read_jsonl(source, enumerate(text.splitlines(), 1), limits)
    elif not text.strip():
        yield SourceError(source, "empty document")
    elif message := limits.too_many_chars(len(text)):
        yield SourceError(source, message)
    else:
        yield Document(doc_id, text, source, title_of(text))


def _looks_like_jsonl(source: str, text: str) -> bool:
    name = source.removesuffix(".gz")
    if any(name.endswith(s) for s in JSONL_SUFFIXES):
        return True
    first = text.lstrip("\ufeff \t\r\n")[:1]
    if first != "{":
        return False
    try:
        return isinstance(json.loads(io.StringIO(text.lstrip()).readline()), dict)
    except json.JSONDecodeError:
        return False


def _read_jsonl(source: str, lines: Iterable[tuple[int, str]], limits: InputLimits) -> Iterator[Item]:
    """`{"id": ..., "text": ...}` per numbered line (optional "title", "source"); bad lines are reported."""
    for number, line in lines:
        if not line.strip():
            continue
        where = f"{source}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield SourceError(where, f"invalid JSON: {exc.msg}")
            continue
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            yield SourceError(where, 'expected an object with a "text" string')
            continue
        if not record["text"].strip():
            yield SourceError(where, "empty document")
            continue
        if message := limits.too_many_chars(len(record["text"])):
            yield SourceError(where, message)
            continue
        doc_id = str(record.get("id") or f"{Path(source).stem}-{number}")
        yield Document(doc_id, record["text"], str(record.get("source") or where),
                       str(record.get("title") or title_of(record["text"])))
