"""Read one import file (CSV, XLSX or Parquet) into text columns, numbered like a spreadsheet."""
from __future__ import annotations

import hashlib
import io
import re
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
    try:
        data.decode("utf-8")
        return data
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030").encode("utf-8")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"{path.name}: the text is neither UTF-8 nor GBK (undecodable byte at position {exc.start}); "
            "save the file as UTF-8 CSV"
        ) from None


def _separator(first_line: bytes) -> str:
    counts = {sep: first_line.count(sep.encode()) for sep in (",", ";", "\t", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] > 0 else ","


def _read_csv(path: Path, data: bytes) -> pl.DataFrame:
    data = _decode_to_utf8(path, data)
    if not data.strip():
        raise ImportFileError(f"{path.name}: the file is empty (not even a header row)")
    first_line = data.split(b"\n", 1)[0]
    try:
        return pl.read_csv(
            io.BytesIO(data),
            infer_schema=False,
            separator=_separator(first_line),
            truncate_ragged_lines=False,
        )
    except pl.exceptions.PolarsError as exc:
        detail = str(exc).strip().splitlines()[0][:200]
        raise ImportFileError(f"{path.name}: not a readable CSV file ({detail})") from None


def _read_xlsx(path: Path) -> pl.DataFrame:
    try:
        return pl.read_excel(path, sheet_id=1, infer_schema_length=0, raise_if_empty=False)
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


def read_source(path: Path, mapping: Mapping, entity: str | None = None) -> SourceFile:
    path = Path(path)
    entity = entity or check_source(path, mapping)[0]
    data = path.read_bytes()
    kind = _sniff_format(path, data[:8])
    frame = {"csv": lambda: _read_csv(path, data), "xlsx": lambda: _read_xlsx(path), "parquet": lambda: _read_parquet(path)}[kind]()
    if frame.width == 0:
        raise ImportFileError(f"{path.name}: the file has no header row")
    headers = [str(c).strip() for c in frame.columns]
    dup = [h for h in headers if "_duplicated_" in h]
    seen: set[str] = set()
    dup += [h for h in headers if h in seen or seen.add(h)]
    if dup:
        original = re.sub(r"_duplicated_\d+$", "", dup[0])
        raise ImportFileError(f"{path.name}: column '{original}' appears more than once in the header")
    frame = frame.rename(dict(zip(frame.columns, headers)))
    frame = frame.with_row_index(ROW, offset=2).with_columns(pl.col(ROW).cast(pl.Int64))
    return SourceFile(path=path, entity=entity, sha256=hashlib.sha256(data).hexdigest(), frame=frame)
