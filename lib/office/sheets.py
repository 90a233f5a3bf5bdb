"""Tables out: .xlsx and .csv files that open cleanly in Excel and WPS.

Every text cell is written as text. A value that begins like a formula
(`=HYPERLINK(...)`, `+`, `-`, `@`) is prefixed with an apostrophe-free
guard so that Excel shows it instead of running it (OWASP "CSV injection").
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
from openpyxl.utils import get_column_letter

from lib.domain.errors import UserError

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Make a cell value safe to open in a spreadsheet: formulas become text."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        # a leading quote is the convention both Excel and WPS display as text
        return "'" + value
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or str(out[col].dtype).startswith(("string", "str")):
            out[col] = out[col].map(neutralise)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def to_xlsx_bytes(df: pd.DataFrame, sheet: str = "Sheet1") -> bytes:
    buf = io.BytesIO()
    safe = safe_frame(df)
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        safe.to_excel(xw, sheet_name=sheet[:31], index=False)
        ws = xw.sheets[sheet[:31]]
        ws.freeze_panes = "A2"
        for i, col in enumerate(safe.columns, start=1):
            width = max([len(str(col))] + [len(str(v)) for v in safe[col].head(200)]) + 2
            ws.column_dimensions[get_column_letter(i)].width = min(40, max(8, width * 1.6))
        # openpyxl writes a str beginning with "=" as a formula: force text type.
        for row in ws.iter_rows(min_row=1):
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("'="):
                    cell.data_type = "s"
    return buf.getvalue()


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    # UTF-8 with BOM: Excel on Chinese Windows opens it without mojibake.
    return safe_frame(df).to_csv(index=False).encode("utf-8-sig")


def write_table(df: pd.DataFrame, out: Path, sheet: str = "Sheet1") -> int:
    suffix = out.suffix.lower()
    if suffix == ".xlsx":
        data = to_xlsx_bytes(df, sheet)
    elif suffix == ".csv":
        data = to_csv_bytes(df)
    else:
        raise UserError(f"不支持导出为“{suffix or out.name}”，请使用 .xlsx 或 .csv 文件名。",
                        "Export to .xlsx or .csv.")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    except OSError as e:
        raise UserError(f"无法写入文件 {out}：{e.strerror}。", f"Cannot write {out}.") from None
    return len(df)
