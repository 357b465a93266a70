"""Reading input: files, directories, JSON Lines, gzip, and stdin, in any common Chinese encoding.

Readers are lazy: documents are produced one at a time so a folder of 100,000 articles never
sits in memory. A source that cannot be read becomes a `SourceError` value in the stream, not
an exception that would stop the run: the caller reports it and goes on with the rest.
"""

from __future__ import annotations

import codecs
import errno
import gzip
import io
import os
import stat
import sys
import zlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Iterator, Union

from .limits import InputLimits, LongLine, TooLarge, bounded_lines, head, peekable, read_bounded
from .model import Document
from .sinks.jsonl import parse_line

TEXT_SUFFIXES = {".txt", ".md", ".text", ".csv", ".tsv", ""}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
TITLE_MAX = 80
MIN_VALID_PER_BAD_BYTE = 20  # a UTF-8 file with fewer valid characters per bad byte is no UTF-8
RENAMED_MARK = "~"  # report, report~2: two inputs that would have had the same id


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


@dataclass(frozen=True, slots=True)
class ReadNote:
    """Something the reader did to a document it kept: gave it a new id because an earlier
    input had its id, or replaced bytes that were not text (`lost`: part of the input is gone)."""

    message: str
    lost: bool = False
    dropped: bool = False  # the document is not read (the same input given twice)
    start: int = 0  # where in the text, for what was lost
    end: int = 0


def decode(data: bytes) -> str:
    """Bytes → text: UTF-8 (with or without BOM), UTF-16 (with or without BOM), GB18030/GBK."""
    return decode_counted(data)[0]


def decode_counted(data: bytes) -> tuple[str, int]:
    """Bytes → (text, how many invalid bytes were replaced by U+FFFD).

    Without a BOM, UTF-8 is tried first (it rarely decodes anything else); a UTF-8 text with a
    few bad bytes (at most one per 20 valid non-ASCII characters) is kept, each bad byte replaced
    by U+FFFD and counted. Then GB18030 and BOM-less UTF-16, which both accept many byte strings:
    the one whose result looks most like Chinese or ASCII text wins. Shift-JIS (Japanese) is
    refused with that reason rather than read as GB18030 gibberish.
    """
    if data.startswith(codecs.BOM_UTF8):
        data = data[3:]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return _checked(data.decode("utf-16")), 0
        except UnicodeDecodeError as exc:
            raise NotText(f"a UTF-16 byte-order mark, then bytes that are not UTF-16 ({exc.reason})") from None
    try:
        return _checked(data.decode("utf-8")), 0
    except UnicodeDecodeError:
        pass
    replaced = data.decode("utf-8", errors="replace")
    bad = replaced.count("\ufffd") - data.count("\ufffd".encode("utf-8"))
    valid_non_ascii = sum(1 for ch in replaced if ord(ch) > 127) - replaced.count("\ufffd")
    if 0 < bad and valid_non_ascii >= MIN_VALID_PER_BAD_BYTE * bad:
        return _checked(replaced), bad
    if _looks_japanese(data):
        raise NotText("Shift-JIS (Japanese) text; only UTF-8, UTF-16 and GB18030/GBK are read")
    candidates = []
    for encoding in ("gb18030", "utf-16-le", "utf-16-be"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        candidates.append((_plausibility(text), encoding, text))
    if not candidates or max(candidates)[0] < 0.9:
        raise NotText("binary data, or not UTF-8, UTF-16 or GB18030 text")
    return _checked(max(candidates)[2]), 0


def _looks_japanese(data: bytes) -> bool:
    """Shift-JIS bytes whose kana make up a good part of the text: no Chinese text reads so."""
    try:
        text = data.decode("shift_jis")
    except UnicodeDecodeError:
        return False
    kana = sum(1 for ch in text[:4000] if "\u3040" <= ch <= "\u30ff")
    return kana >= 5 and kana * 10 >= len(text[:4000].strip())


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
                   on_note: Callable[[Document, ReadNote], None] | None = None,
                   limits: InputLimits = InputLimits()) -> Iterator[Item]:
    """Every document of every input, in order; unreadable inputs as `SourceError` items.

    An input is a file (text or JSON Lines, optionally .gz), a directory (read recursively, in
    sorted order, hidden files skipped, links followed once; a link loop, a dangling link, an
    unreadable folder or a FIFO/device inside it is a `SourceError`) or "-" for standard input.
    Ids are unique in one call: a document whose id an earlier one took (report.txt in two
    folders, a JSON Lines id used twice) is kept apart as id~2, id~3…; `on_note` hears of
    that, and of bytes replaced because they were not text. Reading is bounded by `limits`
    (see kg.limits): a document, file or line over them is a SourceError, the rest goes on.
    """
    taken: dict[str, tuple[str, str]] = {}  # id → (source, content hash) of the document that has it

    def note(document: Document, what: ReadNote) -> None:
        if on_note is not None:
            on_note(document, what)

    for item, replaced in _read_inputs(inputs, stdin, limits):
        if isinstance(item, Document):
            if taken.get(item.id) == (item.source, item.content_hash):
                note(item, ReadNote("the same input given twice: read once", dropped=True))
                continue
            item = _unique(item, taken, note)
            if replaced:
                first = item.text.find("\ufffd")
                note(item, ReadNote(f"{replaced} byte(s) that are not UTF-8 replaced by U+FFFD", lost=True,
                                    start=max(first, 0), end=max(first, 0) + 1))
        yield item


def _unique(document: Document, taken: dict[str, tuple[str, str]],
            note: Callable[[Document, ReadNote], None]) -> Document:
    if document.id in taken:
        number = 2
        while f"{document.id}{RENAMED_MARK}{number}" in taken:
            number += 1
        renamed = replace(document, id=f"{document.id}{RENAMED_MARK}{number}")
        note(renamed, ReadNote(f"id {document.id!r} was taken by an earlier input, now {renamed.id!r}"))
        document = renamed
    taken[document.id] = (document.source, document.content_hash)
    return document


def _read_inputs(inputs: Iterable[str | Path], stdin: BinaryIO | None,
                 limits: InputLimits) -> Iterator[tuple[Item, int]]:
    for spec in inputs:
        if str(spec) == "-":
            stream = stdin if stdin is not None else sys.stdin.buffer
            yield from _read_stream("stdin", "stdin", peekable(stream), limits)
            continue
        path = Path(spec)
        try:
            mode = path.stat().st_mode
        except OSError as exc:
            yield SourceError(shown_path(path), _stat_failure(path, exc)), 0
            continue
        if stat.S_ISDIR(mode):
            for file in files_under(path):
                if isinstance(file, SourceError):
                    yield file, 0
                else:
                    yield from _read_file(file, _doc_id(file.relative_to(path)), limits)
        elif stat.S_ISREG(mode):
            yield from _read_file(path, _doc_id(Path(path.name)), limits)
        else:
            yield SourceError(shown_path(path), f"{_not_regular(mode)}; to read a stream, pipe it in and "
                                                "give - as the input"), 0


def files_under(root: Path) -> Iterator[Path | SourceError]:
    """The regular files in a folder tree, in sorted order, hidden ones skipped. Links are
    followed, each folder read once; whatever cannot be read is a `SourceError`, never skipped
    in silence."""
    seen = {root.resolve()}

    def walk(folder: Path) -> Iterator[Path | SourceError]:
        try:
            names = sorted(os.listdir(folder))
        except OSError as exc:
            yield SourceError(shown_path(folder), f"cannot read folder: {exc.strerror or exc}")
            return
        for name in names:
            if name.startswith("."):
                continue
            path = folder / name
            try:
                mode = path.stat().st_mode
            except OSError as exc:
                yield SourceError(shown_path(path), _stat_failure(path, exc))
                continue
            if stat.S_ISDIR(mode):
                real = path.resolve()
                if any(folder_read.is_relative_to(real) for folder_read in seen):
                    yield SourceError(shown_path(path), "symbolic link loop (to a folder that holds this one)")
                    continue
                if real in seen:
                    yield SourceError(shown_path(path), "link to a folder already read; not read again")
                    continue
                seen.add(real)
                yield from walk(path)
            elif stat.S_ISREG(mode):
                yield path
            else:
                yield SourceError(shown_path(path), f"{_not_regular(mode)}; skipped")

    yield from walk(root)


def _stat_failure(path: Path, exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symbolic link loop"
    if exc.errno == errno.ENOENT and path.is_symlink():
        return f"dangling symbolic link (to {shown_path(Path(os.readlink(path)))})"
    if exc.errno == errno.ENOENT:
        return "no such file or directory"
    return f"cannot read: {exc.strerror or exc}"


def _not_regular(mode: int) -> str:
    kind = ("a FIFO" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "a socket" if stat.S_ISSOCK(mode) else "not a file")
    return f"not a regular file ({kind})"


def shown_path(path: Path | str) -> str:
    """A path as text that can be written anywhere: bytes that are not UTF-8 as \\xNN."""
    return os.fsencode(path).decode("utf-8", errors="backslashreplace")


def _doc_id(relative: Path) -> str:
    relative = Path(shown_path(relative))
    name = relative.name
    for suffix in (".gz", *JSONL_SUFFIXES, *TEXT_SUFFIXES - {""}):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return str(relative.with_name(name)) if name else str(relative)


def _read_file(path: Path, doc_id: str, limits: InputLimits) -> Iterator[tuple[Item, int]]:
    try:
        stream = gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")
    except OSError as exc:
        yield SourceError(shown_path(path), f"cannot read: {exc.strerror or exc}"), 0
        return
    with stream:
        yield from _read_stream(shown_path(path), doc_id, stream, limits)


def _read_stream(source: str, doc_id: str, stream: BinaryIO, limits: InputLimits) -> Iterator[tuple[Item, int]]:
    """A stream in bounded chunks (a decompression bomb or a giant line costs no memory): JSON
    Lines (by name, or a first line that is a JSON object) line by line; anything else (and
    UTF-16, whose lines are not split at a byte) whole, up to the limit. A read error stops this
    input only, after what was read before it."""
    try:
        start = head(stream)
        utf16 = start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in start
        if not utf16 and (_jsonl_name(source) or start.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")):
            yield from _read_jsonl_stream(source, doc_id, stream, limits)
        else:
            yield from _read_bytes(source, doc_id, read_bounded(stream, limits.max_doc_bytes), limits)
    except TooLarge as exc:
        yield SourceError(source, limits.too_many_bytes(exc.read, source.endswith(".gz"))), 0
    except OSError as exc:  # gzip.BadGzipFile is one
        yield SourceError(source, f"cannot read: {exc.strerror or exc}"), 0
    except (EOFError, zlib.error) as exc:
        yield SourceError(source, f"cannot read: truncated or damaged gzip ({exc})"), 0


def _read_jsonl_stream(source: str, doc_id: str, stream: BinaryIO, limits: InputLimits) -> Iterator[tuple[Item, int]]:
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
            yield from _read_bytes(source, doc_id, first + read_bounded(stream, limits.max_doc_bytes, len(first)),
                                   limits)
            return
        yield from _jsonl_records(source, [(number, first)], limits)
    yield from _jsonl_records(source, enumerate(lines, number + 1), limits)


def _jsonl_name(source: str) -> bool:
    return source.removesuffix(".gz").endswith(tuple(JSONL_SUFFIXES))


def _is_json_object(line: bytes) -> bool:
    try:
        return isinstance(parse_line(line.decode("utf-8-sig")), dict)
    except (UnicodeDecodeError, ValueError):
        return False


def _jsonl_records(source: str, lines: Iterable[tuple[int, bytes | LongLine]],
                   limits: InputLimits) -> Iterator[tuple[Item, int]]:
    for number, line in lines:
        if isinstance(line, LongLine):
            yield SourceError(f"{source}:{number}", limits.line_too_long(line.length)), 0
            continue
        if not line.strip():
            continue
        try:
            text, replaced = decode_counted(line)
        except NotText as exc:
            yield SourceError(f"{source}:{number}", f"not a text line: {exc}"), 0
            continue
        for item in _read_jsonl(source, text.lstrip("\ufeff"), limits, first_number=number):
            yield item, (item.text.count("\ufffd") if replaced and isinstance(item, Document) else 0)


def _read_bytes(source: str, doc_id: str, data: bytes, limits: InputLimits = InputLimits()) -> Iterator[tuple[Item, int]]:
    try:
        text, replaced = decode_counted(data)
    except NotText as exc:
        yield SourceError(source, f"not a text file: {exc}"), 0
        return
    if _looks_like_jsonl(source, text):
        for item in _read_jsonl(source, text, limits):  # replaced bytes counted where they landed
            yield item, (item.text.count("\ufffd") if replaced and isinstance(item, Document) else 0)
    elif not text.strip():
        yield SourceError(source, "empty document"), 0
    elif message := limits.too_many_chars(len(text)):
        yield SourceError(source, message), 0
    else:
        yield Document(doc_id, text, source, title_of(text)), replaced


def _looks_like_jsonl(source: str, text: str) -> bool:
    name = source.removesuffix(".gz")
    if any(name.endswith(s) for s in JSONL_SUFFIXES):
        return True
    first = text.lstrip("\ufeff \t\r\n")[:1]
    if first != "{":
        return False
    try:
        return isinstance(parse_line(io.StringIO(text.lstrip()).readline()), dict)
    except ValueError:
        return False


def _read_jsonl(source: str, text: str, limits: InputLimits = InputLimits(), first_number: int = 1) -> Iterator[Item]:
    """`{"id": ..., "text": ...}` per line (optional "title", "source"), numbered from
    `first_number`; bad lines are reported."""
    for number, line in enumerate(text.split("\n"), first_number):  # not splitlines: U+2028 may sit in a string
        if not line.strip():
            continue
        where = f"{source}:{number}"
        try:
            record = parse_line(line)
        except ValueError as exc:
            yield SourceError(where, str(exc))
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
