"""Read one import file (CSV, XLSX or Parquet) into text columns, numbered like a spreadsheet."""
from __future__ import annotations

import codecs
import hashlib
import io
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from .entities import ENTITIES
from .settings import Mapping

ROW = "_row"  # spreadsheet row number: the header is row 1, the first record row 2
SUFFIXES = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx", ".parquet": "parquet"}


class ImportFileError(Exception):
    """A file that cannot be imported at all; the message names the file (and column)."""


@dataclass(frozen=True)
class SourceFile:
    path: Path
    entity: str
    sha256: str
    frame: pl.DataFrame  # every source column as text, plus _row


def entities_for(path: Path, mapping: Mapping) -> list[str]:
    """Every entity the file feeds: its own name, or each entity whose mapping lists the file's name
    (one export may hold employees, ratings and promotions at once)."""
    stem = path.stem.strip().lower()

    def named(alias: str) -> bool:
        return stem == alias or re.match(rf"^{re.escape(alias)}[\s_\-.(（\d]", stem) is not None

    found = [name for name in ENTITIES if any(named(a.lower()) for a in mapping.for_entity(name).file_names)]
    found += [name for name in ENTITIES if name not in found and named(name)]
    if not found:
        raise ImportFileError(
            f"{path.name}: cannot tell which data this file holds; name it after one of: {', '.join(ENTITIES)}"
            " (or list its name under file_names in the mapping)"
        )
    return [name for name in ENTITIES if name in found]


def entity_for(path: Path, mapping: Mapping) -> str:
    return entities_for(path, mapping)[0]


def _sniff_format(path: Path, head: bytes) -> str:
    by_name = SUFFIXES.get(path.suffix.lower())
    if by_name is None:
        raise ImportFileError(f"{path.name}: unsupported file type '{path.suffix}' (use CSV, XLSX or Parquet)")
    by_content = "xlsx" if head.startswith(b"PK\x03\x04") else "parquet" if head.startswith(b"PAR1") else "csv"
    if head.startswith((b"\xd0\xcf\x11\xe0",)):
        raise ImportFileError(f"{path.name}: this is an old binary Excel (.xls) file; save it as .xlsx or CSV")
    if by_content != by_name:
        raise ImportFileError(
            f"{path.name}: the file is named .{path.suffix.lstrip('.')} but its content is {by_content.upper()}; "
            "rename it or export it again"
        )
    return by_name


def _decode_to_utf8(path: Path, data: bytes) -> bytes:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if _is_utf8_in_chunks(data):  # checked without a text copy of the whole file
        return data
    try:
        data.decode("utf-8")
        return data
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    # Not UTF-8 as a whole. If other lines are UTF-8 with non-ASCII text, the file mixes encodings
    # (one line pasted from a GBK export): decoding it all as GBK would turn every name to mojibake.
    lines = data.split(b"\n")
    utf8_text = next((i for i, line in enumerate(lines) if not line.isascii() and _is_utf8(line)), None)
    if utf8_text is not None:
        bad_line = data.count(b"\n", 0, first_bad) + 1
        raise ImportFileError(
            f"{path.name}: line {bad_line} is not UTF-8 while line {utf8_text + 1} is: the file mixes text encodings; "
            "save the whole file as UTF-8 CSV"
        )
    try:
        return data.decode("gb18030").encode("utf-8")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"{path.name}: the text is neither UTF-8 nor GBK (undecodable byte at position {exc.start}); "
            "save the file as UTF-8 CSV"
        ) from None


def _is_utf8_in_chunks(data: bytes, chunk: int = 1 << 24) -> bool:
    decoder, view = codecs.getincrementaldecoder("utf-8")(), memoryview(data)
    try:
        for start in range(0, len(data), chunk):
            decoder.decode(view[start:start + chunk], final=start + chunk >= len(data))
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _is_utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def _separator(first_line: bytes) -> str:
    counts = {sep: first_line.count(sep.encode()) for sep in (",", ";", "\t", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] > 0 else ","


def _read_csv(path: Path, data: bytes, header_row: int = 1) -> pl.DataFrame:
    data = _decode_to_utf8(path, data)
    for _ in range(header_row - 1):  # title or notes lines above the header
        data = data.split(b"\n", 1)[1] if b"\n" in data else b""
    if not data.strip():
        raise ImportFileError(f"{path.name}: the file is empty (not even a header row)")
    first_line = data.split(b"\n", 1)[0]
    separator = _separator(first_line)
    try:
        frame = pl.read_csv(io.BytesIO(data), infer_schema=False, separator=separator, truncate_ragged_lines=False)
    except pl.exceptions.PolarsError as exc:
        detail = str(exc).strip().splitlines()[0][:200]
        raise ImportFileError(f"{path.name}: not a readable CSV file ({detail})") from None
    _check_no_swallowed_rows(path, data, frame, separator)
    return frame


def _shape(e: pl.Expr) -> pl.Expr:
    return e.str.replace_all(r"\d", "9").str.replace_all(r"[^\W\d_]", "A")


def _check_no_swallowed_rows(path: Path, data: bytes, frame: pl.DataFrame, separator: str) -> None:
    """An unclosed quote makes the parser read the following lines into one cell, and the row
    counts still add up. Count the physical lines apart from the parser: where they differ, a cell
    that spans lines and has a line starting like a record (a first field shaped like the file's
    first column, then a separator) is a swallowed row. Multi-line comments stay allowed."""
    if frame.height == 0:
        return
    # Only a cell that spans lines can hold a swallowed row (the search below looks at no other): a file
    # without one needs no count of its lines.
    if not frame.select(pl.any_horizontal(pl.col(c).str.contains("\n", literal=True).any() for c in frame.columns)).item():
        return
    lines = sum(1 for line in data.splitlines() if line.strip())
    if lines == frame.height + 1:
        return
    first = frame.columns[0]
    shapes = frame.select(_shape(pl.col(first)).drop_nulls().value_counts(sort=True).head(5).struct.field(first))[first].to_list()
    for c in frame.columns:
        record_like = (
            pl.col(c).str.split("\n").list.slice(1)
            .list.eval(pl.element().str.contains(re.escape(separator), literal=False)
                       & _shape(pl.element().str.split(separator).list.first()).is_in(shapes)).list.sum().fill_null(0)
        )
        hits = frame.with_row_index("__i").select("__i", record_like.alias("__n")).filter(pl.col("__n") > 0)
        if hits.height:
            i, n = hits.row(0)
            raise ImportFileError(
                f"{path.name}: row {i + 2}, column '{c}': a quote is not closed, so the next line(s) were read into this "
                f"cell ({n} line(s) that look like records); close the quote or remove it and export again"
            )


MAX_XLSX_SHEET_BYTES = int(os.environ.get("TALENT_MAX_XLSX_BYTES", str(512 * 1024 * 1024)))


def _check_xlsx_size(path: Path) -> None:
    """Refuse a workbook whose first sheet would inflate past the limit, before inflating it
    (a 1 MB file can declare gigabytes of XML)."""
    try:
        with zipfile.ZipFile(path) as book:
            sheets = [i for i in book.infolist() if i.filename.startswith("xl/worksheets/") and i.filename.endswith(".xml")]
            shared = [i for i in book.infolist() if i.filename == "xl/sharedStrings.xml"]
            declared = sum(i.file_size for i in sheets[:1] + shared)
    except zipfile.BadZipFile:
        raise ImportFileError(f"{path.name}: the XLSX workbook is damaged or truncated (not a valid ZIP archive)") from None
    if declared > MAX_XLSX_SHEET_BYTES:
        raise ImportFileError(
            f"{path.name}: the first sheet inflates to {declared / 1e6:,.0f} MB, more than the "
            f"{MAX_XLSX_SHEET_BYTES / 1e6:,.0f} MB this import accepts (TALENT_MAX_XLSX_BYTES); export it as CSV"
        )


def _read_xlsx(path: Path, header_row: int = 1) -> pl.DataFrame:
    _check_xlsx_size(path)
    try:
        return pl.read_excel(path, sheet_id=1, infer_schema_length=0, raise_if_empty=False,
                             read_options={"header_row": header_row - 1} if header_row > 1 else None)
    except Exception as exc:  # fastexcel raises its own types for damaged workbooks
        detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise ImportFileError(f"{path.name}: the XLSX workbook is damaged or truncated ({detail})") from None


def _read_parquet(path: Path) -> pl.DataFrame:
    try:
        frame = pl.read_parquet(path)
    except Exception as exc:
        raise ImportFileError(f"{path.name}: the Parquet file is damaged ({str(exc)[:200]})") from None
    # Same treatment as CSV: text first, then the validator casts.
    return frame.select(
        pl.col(c).cast(pl.String) if dtype != pl.Date else pl.col(c).dt.to_string("%Y-%m-%d")
        for c, dtype in frame.schema.items()
    )


def check_source(path: Path, mapping: Mapping) -> list[str]:
    """Which entities the file holds, after checks that need no parsing (name, size, format)."""
    path = Path(path)
    if not path.is_file():
        raise ImportFileError(f"{path}: no such file")
    entity = entities_for(path, mapping)
    with open(path, "rb") as fh:
        head = fh.read(8)
    if not head:
        raise ImportFileError(f"{path.name}: the file is empty (not even a header row)")
    _sniff_format(path, head)
    return entity


def kind_of(path: Path) -> str | None:
    return SUFFIXES.get(Path(path).suffix.lower())


def read_frame(path: Path, header_row: int = 1, data: bytes | None = None) -> pl.DataFrame:
    """A file's columns as text with trimmed, distinct headers, read and checked as the import reads it.
    header_row: the spreadsheet row that holds the column labels (exports often put a title above it);
    data: the file's bytes when the caller has read them already."""
    path = Path(path)
    data = path.read_bytes() if data is None else data
    if not data:
        raise ImportFileError(f"{path.name}: the file is empty (not even a header row)")
    kind = _sniff_format(path, data[:8])
    frame = {"csv": lambda: _read_csv(path, data, header_row), "xlsx": lambda: _read_xlsx(path, header_row),
             "parquet": lambda: _read_parquet(path)}[kind]()
    if frame.width == 0:
        raise ImportFileError(f"{path.name}: the file has no header row" + (f" at row {header_row}" if header_row > 1 else ""))
    headers = [str(c).strip() for c in frame.columns]
    dup = [h for h in headers if "_duplicated_" in h]
    seen: set[str] = set()
    dup += [h for h in headers if h in seen or seen.add(h)]
    if dup:
        original = re.sub(r"_duplicated_\d+$", "", dup[0])
        raise ImportFileError(f"{path.name}: column '{original}' appears more than once in the header")
    return frame.rename(dict(zip(frame.columns, headers)))


def read_source(path: Path, mapping: Mapping, entity: str | None = None) -> SourceFile:
    path = Path(path)
    entity = entity or check_source(path, mapping)[0]
    header_row = 1 if kind_of(path) == "parquet" else mapping.header_row
    data = path.read_bytes()  # read once: parsed, then fingerprinted
    frame = read_frame(path, header_row, data).with_row_index(ROW, offset=header_row + 1).with_columns(pl.col(ROW).cast(pl.Int64))
    return SourceFile(path=path, entity=entity, sha256=hashlib.sha256(data).hexdigest(), frame=frame)
