"""Input limits: how much of a file, a line or a document is ever read, and bounded readers.

Hostile or broken input must cost a bounded amount of memory and time: a 1 MB .gz that expands
to gigabytes (a decompression bomb), a 50 MB file on one line, a document of ten million
characters. Everything is read in chunks of at most `CHUNK` bytes through these readers: a
document is at most `max_doc_chars` characters (`--max-doc-chars`), so a whole-file document
is read up to `max_doc_bytes` and a JSON Lines line up to `max_line_bytes`; past that the input
(or that one line) is reported with the limit in the message, and reading goes on after it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import BinaryIO, Iterator

DEFAULT_MAX_DOC_CHARS = 10_000_000
CHUNK = 1 << 20
HEAD = 1 << 16  # bytes looked at to tell JSON Lines from text before reading on
BYTES_PER_CHAR = 4  # UTF-8, GB18030 and UTF-16 spend at most 4 bytes on a character
ESCAPED_BYTES_PER_CHAR = 6  # JSON's \uXXXX, what json.dumps writes by default
LINE_SLACK = 1 << 20  # a JSON Lines record's id, title and source around its text


@dataclass(frozen=True, slots=True)
class InputLimits:
    """The largest document accepted, in characters; byte limits follow from it."""

    max_doc_chars: int = DEFAULT_MAX_DOC_CHARS

    def __post_init__(self) -> None:
        if self.max_doc_chars < 1:
            raise ValueError("max_doc_chars must be at least 1")

    @property
    def max_doc_bytes(self) -> int:
        """Bytes read of a file that is one document: more cannot decode to few enough characters."""
        return BYTES_PER_CHAR * self.max_doc_chars

    @property
    def max_line_bytes(self) -> int:
        """Bytes of one JSON Lines record: its text fully \\u-escaped, plus the other fields."""
        return ESCAPED_BYTES_PER_CHAR * self.max_doc_chars + LINE_SLACK

    def too_many_chars(self, chars: int) -> str:
        """The message for a document over the limit ("" when it is within)."""
        if chars <= self.max_doc_chars:
            return ""
        return (f"document of {chars:,} characters is longer than the limit of {self.max_doc_chars:,} "
                f"(--max-doc-chars)")

    def too_many_bytes(self, read: int, compressed: bool = False) -> str:
        return (f"more than {self.max_doc_bytes:,} bytes, longer than a document of {self.max_doc_chars:,} "
                f"characters (--max-doc-chars) can be; stopped reading after {read:,} bytes"
                + (" (decompressed: a decompression bomb?)" if compressed else ""))

    def line_too_long(self, length: int) -> str:
        return (f"line of {length:,} bytes is longer than the limit of {self.max_line_bytes:,} bytes "
                f"for a document of {self.max_doc_chars:,} characters (--max-doc-chars); skipped")


class TooLarge(ValueError):
    """More bytes than the limit; `read` says how many were read before stopping."""

    def __init__(self, read: int):
        super().__init__(f"more than {read - 1:,} bytes")
        self.read = read


@dataclass(frozen=True, slots=True)
class LongLine:
    """A line longer than the limit, skipped without being held: its length in bytes."""

    length: int


def peekable(stream: BinaryIO) -> BinaryIO:
    """A stream with `peek` (files, gzip and stdin have one; io.BytesIO gets a buffer)."""
    return stream if hasattr(stream, "peek") else io.BufferedReader(stream, HEAD)  # type: ignore[arg-type]


def head(stream: BinaryIO) -> bytes:
    """Up to HEAD bytes from the start of `stream` without consuming them."""
    return stream.peek(HEAD)[:HEAD]  # type: ignore[attr-defined]


def read_bounded(stream: BinaryIO, limit: int, already: int = 0) -> bytes:
    """The rest of `stream`, in chunks; raises TooLarge as soon as more than `limit` bytes
    (counting `already` read before) have come, never holding more than limit + CHUNK."""
    chunks, size = [], already
    if size > limit:
        raise TooLarge(size)
    while True:
        chunk = stream.read(min(CHUNK, limit + 1 - size))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise TooLarge(size)


def bounded_lines(stream: BinaryIO, limit: int) -> Iterator[bytes | LongLine]:
    """Each line of `stream` (with its b"\\n") while it is at most `limit` bytes; a longer line
    is read on in chunks to its end and given as a LongLine, so memory stays within limit + CHUNK."""
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        if len(line) <= limit:
            yield line
            continue
        length, ended = len(line), line.endswith(b"\n")
        del line
        while not ended:
            piece = stream.readline(CHUNK)
            length += len(piece)
            ended = not piece or piece.endswith(b"\n")
        yield LongLine(length)


def count_lines(stream: BinaryIO) -> int:
    """Lines holding more than white space, read in chunks: a giant line costs no memory."""
    count, content = 0, False
    while piece := stream.readline(CHUNK):
        content = content or bool(piece.strip())
        if piece.endswith(b"\n"):
            count, content = count + content, False
    return count + content
