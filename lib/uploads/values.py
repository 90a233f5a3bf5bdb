"""Cell values: what a cell says, as text, and the numbers, percentages, dates and yes/no it holds.

Pure functions over one cell's value (text, a number, a date, or an Excel error), used
by the reader (lib.uploads.reader) and unit-tested on their own. Anything not readable
with certainty raises `ValueParseError` with a Chinese reason and hint; the reader turns
it into an issue naming the cell. Rules (also in the docstrings): a cell of only ``-``,
``—``, ``/`` or ``无`` is empty; thousands separators must sit where they belong; a unit
typed in the cell is returned with the number; dates are years 1950-2100, two-digit years
are refused, Excel serials use the workbook's epoch; the date phrases offices write
(3月底, 6月25日前, 上旬/中旬/下旬, 年底) stand for one day each by the rules in
`parse_date`, a phrase without a year takes the caller's, and uncertain phrases (年底前后,
待定) are refused; `extract_report_date` reads 截至2022年5月底 in a title.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
import unicodedata
from typing import Any

# A cell holding only one of these counts as empty.
EMPTY_MARKERS = {"-", "--", "—", "——", "/", "\\", "无", "－", "─"}


class ValueParseError(ValueError):
    """A cell value that cannot be read with certainty.

    ``reason`` and ``hint`` are Chinese phrases used to build the message.
    """

    def __init__(self, reason: str, hint: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.hint = hint


class PlannedDate(ValueParseError):
    """A time an office expects (预计10月份完工, 预计于2022年6月25日前全面开工), not a date that happened:
    the reader leaves the cell out with a warning instead of refusing the file."""


class ExcelError:
    """A cached Excel error value such as #DIV/0!."""

    def __init__(self, text: str):
        self.text = text

    def __str__(self) -> str:
        return self.text


EXCEL_ERRORS = {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
                "#SPILL!", "#CALC!"}

_FULLWIDTH_ALNUM = {c: c - 0xFEE0 for c in range(0xFF10, 0xFF1A)}
_FULLWIDTH_ALNUM.update({c: c - 0xFEE0 for c in range(0xFF21, 0xFF3B)})
_FULLWIDTH_ALNUM.update({c: c - 0xFEE0 for c in range(0xFF41, 0xFF5B)})
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
_SPACES_RE = re.compile(r"[\s\u3000\xa0]+")


def format_number(v: float | int) -> str:
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return repr(v) if isinstance(v, float) else str(v)


def cell_text(value: Any) -> str | None:
    """What the user sees in the cell, as text (None for empty)."""
    if value is None:
        return None
    if type(value) is str:  # the common case first
        text = value.translate(_INVISIBLE)
        return text if text.strip() else None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return format_number(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    text = str(value).translate(_INVISIBLE)
    return text if text.strip() else None


# Text that normalize_text would change (anything else is kept as typed)
NEEDS_NORMALIZING = re.compile(r"[\t\n\r\f\v\u3000\xa0\u200b-\u200d\u2060\ufeff\uff10-\uff5a]| {2}|^ | $")


def normalize_text(value: Any) -> str | None:
    """Trim a name or free text: full-width spaces, repeated spaces, full-width
    letters/digits (``１号院`` -> ``1号院``); Chinese punctuation is kept."""
    if isinstance(value, str) and value and not NEEDS_NORMALIZING.search(value):
        return value  # the common case, kept fast for 50,000-row uploads
    text = cell_text(value)
    if text is None:
        return None
    text = text.translate(_INVISIBLE).translate(_FULLWIDTH_ALNUM)
    lines = [_SPACES_RE.sub(" ", ln).strip() for ln in text.replace("\r", "\n").split("\n")]
    text = "\n".join(ln for ln in lines if ln)
    return text or None


# Units, as factors to the stored unit (万元, 万平方米) where there is one.
MONEY_UNITS = {"万元": 1.0, "元": 1e-4, "亿元": 1e4, "千元": 0.1}
AREA_UNITS = {"万m2": 1.0, "万平方米": 1.0, "万平米": 1.0, "万㎡": 1.0,
              "m2": 1e-4, "平方米": 1e-4, "平米": 1e-4, "㎡": 1e-4}
COUNT_UNITS = {"户", "个", "栋", "幢", "栋/幢", "幢/栋", "部", "台", "处", "年", "座"}
# Units a header may name: "改造户数（户）", "计划总投资/万元", a row of units under the header.
UNIT_TOKENS = set(MONEY_UNITS) | set(AREA_UNITS) | COUNT_UNITS | {"%"}
UNIT_TOKENS_LONGEST_FIRST = sorted(UNIT_TOKENS, key=len, reverse=True)

_QTY_UNITS = sorted(set(MONEY_UNITS) | set(AREA_UNITS) | COUNT_UNITS | {"%", "万", "米", "°"},
                    key=len, reverse=True)
_NUM_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_THOUSANDS_RE = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


def _prep_numeric_text(text: str) -> str:
    s = unicodedata.normalize("NFKC", text).translate(_INVISIBLE).strip()
    s = s.replace("m²", "m2")
    # Excel's ="00123" trick for keeping text in CSV
    m = re.fullmatch(r'="(.*)"', s)
    if m:
        s = m.group(1)
    s = s.lstrip("¥￥").strip()
    return s


def parse_quantity(value: Any) -> tuple[float | None, str | None]:
    """Read a number and an optional trailing unit: ``"１，２３４.5万元"`` ->
    ``(1234.5, "万元")``; ``"120户"`` -> ``(120.0, "户")``; empty, ``-``, ``/``
    or ``无`` -> ``(None, None)``.  Raises ValueParseError when unsure
    (``"约120"``, ``"1,23"``, ``"100-120"``)."""
    if value is None:
        return None, None
    if isinstance(value, bool):
        raise ValueParseError("是逻辑值，不是数字", "请填写数字")
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueParseError("不是有效的数字", "请填写数字")
        return float(value), None
    if isinstance(value, ExcelError):
        raise ValueParseError(f"是Excel错误值 {value.text}", "请检查该单元格的公式")
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        raise ValueParseError("是日期，不是数字", "请把单元格格式改为“常规”或“数值”后填写数字")
    s = _prep_numeric_text(str(value))
    if not s or s in EMPTY_MARKERS:
        return None, None
    unit = None
    for token in _QTY_UNITS:
        if s.endswith(token) and len(s) > len(token):
            unit = token
            s = s[: -len(token)].strip()
            break
    s = s.replace(" ", "") if re.fullmatch(r"[+-]?\s*[\d.,]+", s) else s
    if "," in s:
        if not _THOUSANDS_RE.match(s):
            raise ValueParseError("的千分位逗号位置不对，无法确定数值", "请去掉逗号后填写数字，如 1234.5")
        s = s.replace(",", "")
    if not _NUM_RE.match(s):
        raise ValueParseError("不是有效的数字", "请只填写数字（可带单位），如 120 或 3.5万元")
    return float(s), unit


def parse_number(value: Any) -> float | None:
    """Number from a cell, any trailing unit dropped (see parse_quantity)."""
    return parse_quantity(value)[0]


def parse_int(value: Any) -> int | None:
    """Whole number (户数, 栋数, 电梯部数): ``"120户"`` -> 120; ``12.5`` is an error."""
    num, _ = parse_quantity(value)
    if num is None:
        return None
    if not float(num).is_integer():
        raise ValueParseError("不是整数", "请填写整数")
    return int(num)


def parse_percent(value: Any, *, percent_format: bool = False) -> tuple[float | None, bool]:
    """Return (number as written, had_percent_sign).

    ``"75%"`` -> (75.0, True); ``"75"`` -> (75.0, False); ``0.75`` -> (0.75, False);
    an Excel cell formatted as percent holding 0.75 (``percent_format=True``)
    -> (75.0, True).  Column-level scaling is resolve_percent_column()."""
    if percent_format and isinstance(value, (int, float)) and not isinstance(value, bool):
        return round(float(value) * 100, 10), True
    num, unit = parse_quantity(value)
    if num is None:
        return None, False
    if unit not in (None, "%"):
        raise ValueParseError("不是百分比", "请填写 0 到 100 之间的数字，如 75 或 75%")
    return num, unit == "%"


def resolve_percent_column(cells: list[tuple[float | None, bool]]) -> tuple[list[float | None], bool]:
    """Apply the percentage rule to one column.

    Cells written with % are kept.  Numbers without % are multiplied by 100
    only if ALL non-empty values of the column (as written) are <= 1.
    Returns (values, scaled)."""
    present = [v for v, _ in cells if v is not None]
    scale = bool(present) and all(v <= 1 for v in present) and any(not pct for v, pct in cells if v is not None)
    out: list[float | None] = []
    for v, pct in cells:
        if v is None or pct or not scale:
            out.append(v)
        else:
            out.append(round(v * 100, 10))
    return out, scale


EXCEL_EPOCH_1900 = dt.date(1899, 12, 30)
_MIN_YEAR, _MAX_YEAR = 1950, 2100
_DATE_FULL_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?$")
_DATE_MONTH_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(份)?$")
_DATE_COMPACT_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_TIME_SUFFIX_RE = re.compile(r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)$")
# The phrases offices write (see parse_date): [2022年]3月底, [2022年]6月25日[前], 6月中旬, 2022年底.
_DATE_PHRASE_RE = re.compile(
    r"^(?:(\d{4})\s*(?:年|[-/.](?=\s*\d{1,2}\s*月)))?\s*(\d{1,2})\s*月(?:份)?\s*"
    r"(?:(\d{1,2})\s*[日号]|(底|末|上旬|中旬|下旬))?$")
_YEAR_END_RE = re.compile(r"^(?:(\d{4})\s*年)?\s*年?(底|末)$")
_BY_SUFFIX_RE = re.compile(r"(?<!前)(?:之前|以前|前)(?:完成|完工|竣工|开工|交付|验收)?$")
# Words that make a time phrase uncertain: refused, never guessed.
_VAGUE_RE = re.compile(r"前后|左右|约|大约|大概|预计|预期|力争|争取|待定|未定|待确定|不详|不确定|待|初|上半年|下半年|"
                       r"年中|季度|至|到|~|～|—|或|[-/]\s*\d{1,2}\s*月")
# A time someone expects or plans: not a fact (a warning, the cell left out).
_PLANNED_RE = re.compile(r"预计|计划|拟|力争|争取|预期")
# A date phrase inside a sentence (一期于3月底全面开工): [YYYY年]M月(D日|底|末|上旬|中旬|下旬|份).
_IN_TEXT_RE = re.compile(r"(?:\d{4}年)?\d{1,2}月(?:\d{1,2}[日号]|底|末|上旬|中旬|下旬|份)?")
# When a period stands for a day (the rule of each phrase):
_PERIOD_DAY = {"上旬": 10, "中旬": 20}  # 下旬, 底, 末: the month's last day


def _make_date(y: int, m: int, d: int) -> dt.date:
    if not (_MIN_YEAR <= y <= _MAX_YEAR):
        raise ValueParseError(f"的年份 {y} 不在 {_MIN_YEAR}-{_MAX_YEAR} 之间", "请检查日期")
    try:
        return dt.date(y, m, d)
    except ValueError:
        raise ValueParseError("不是存在的日期", "请检查月份和日期，如 2021年6月18日") from None


def _last_day(y: int, m: int) -> int:
    return calendar.monthrange(y, m)[1] if 1 <= m <= 12 else 31


def _serial_to_date(serial: float, epoch: dt.date) -> dt.date:
    day = epoch + dt.timedelta(days=int(math.floor(serial)))
    if not (_MIN_YEAR <= day.year <= _MAX_YEAR):
        raise ValueParseError("无法识别为日期", "请填写日期，如 2021年6月18日")
    return day


def _phrase_date(s: str, year: int | None, allow_month: bool) -> dt.date | None:
    """A date phrase (3月底, 6月25日, 2022年5月下旬, 2022年底) as a day by the rules of parse_date;
    None when `s` is not such a phrase."""
    m = _YEAR_END_RE.match(s)
    if m:
        y = int(m.group(1)) if m.group(1) else year
        if y is None:
            raise ValueParseError("没有写年份", "请写明年份，如 2022年12月31日")
        return _make_date(y, 12, 31)
    m = _DATE_PHRASE_RE.match(s)
    if not m:
        return None
    y = int(m.group(1)) if m.group(1) else year
    month = int(m.group(2))
    if y is None:
        raise ValueParseError("没有写年份", "请写明年份，如 2022年6月25日")
    if not 1 <= month <= 12:
        raise ValueParseError("不是存在的日期", "请检查月份，如 2022年6月25日")
    if m.group(3):
        return _make_date(y, month, int(m.group(3)))
    period = m.group(4)
    if period:
        return _make_date(y, month, _PERIOD_DAY.get(period) or _last_day(y, month))
    if not allow_month:
        raise ValueParseError("只有年月，没有具体日期", "请填写到日，如 2021年6月18日")
    return _make_date(y, month, 1)


def parse_date(value: Any, *, allow_month: bool = False, epoch: dt.date = EXCEL_EPOCH_1900,
               year: int | None = None) -> dt.date | None:
    """Read a date: ``2021.06.18``, ``2021/6/18``, ``2021-06-18``,
    ``2021年6月18日``, ``20210618``, an Excel serial (1900 system unless
    ``epoch`` says otherwise), a datetime cell.  Year-month only
    (``2021年6月``, ``2022.6``) gives the 1st of the month when ``allow_month`` else an
    error.  Two-digit years, years outside 1950-2100 -> ValueParseError.

    The phrases offices write, each standing for one day by a fixed rule:

    =====================  ==============================================
    ``2022年3月底``, ``3月末``  the month's last day (2022-03-31)
    ``6月上旬``             the 10th
    ``6月中旬``             the 20th
    ``6月下旬``             the month's last day
    ``6月25日前``, ``6月底前``  that day (前/之前/以前 = by that day; a trailing
                            完成/完工/开工 after 前 is dropped)
    ``2022年底``, ``年底``    December 31
    =====================  ==============================================

    A phrase without a year (``3月底``, ``6月25日``) takes ``year`` (the reader's
    year hint: the title's year, the programme's); without one it is refused.
    Uncertain phrases (``年底前后``, ``6月左右``, ``待定``, ``预计6月``, ``6月初``,
    ranges ``3月-6月``, ``上半年``) are refused with a reason, never guessed."""
    if value is None:
        return None
    if isinstance(value, dt.date):  # a datetime too
        return _make_date(value.year, value.month, value.day)
    if isinstance(value, bool) or isinstance(value, ExcelError) or isinstance(value, dt.time):
        raise ValueParseError("无法识别为日期", "请填写日期，如 2021年6月18日")
    if isinstance(value, (int, float)):
        if float(value).is_integer() and 19000101 <= value <= 21001231:
            return parse_date(str(int(value)), allow_month=allow_month)
        if 1 <= value < 2958466 and value >= 10000:
            return _serial_to_date(value, epoch)
        text = format_number(value)
        if re.fullmatch(r"\d{4}\.1", text):
            raise ValueParseError("无法确定是1月还是10月", "请按“2021年10月18日”的格式填写完整日期")
        return parse_date(text, allow_month=allow_month, epoch=epoch, year=year)
    s = unicodedata.normalize("NFKC", str(value)).translate(_INVISIBLE).strip()
    if not s or s in EMPTY_MARKERS:
        return None
    s = _TIME_SUFFIX_RE.sub("", s).strip()
    m = _DATE_FULL_RE.match(s) or _DATE_COMPACT_RE.match(s)
    if m:
        return _make_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _DATE_MONTH_RE.match(s)
    if m:
        if not allow_month:
            raise ValueParseError("只有年月，没有具体日期", "请填写到日，如 2021年6月18日")
        return _make_date(int(m.group(1)), int(m.group(2)), 1)
    if re.fullmatch(r"\d{5}(\.\d+)?", s):
        return _serial_to_date(float(s), epoch)
    if re.fullmatch(r"\d{2}[-/.年]\d{1,2}[-/.月]\d{1,2}日?", s):
        raise ValueParseError("的年份只有两位，无法确定", "请写四位年份，如 2021年6月18日")
    compact = re.sub(r"\s+", "", s)
    by = _BY_SUFFIX_RE.search(compact)
    base = compact[: by.start()] if by else compact
    if by:  # "6月25日前": the day itself
        m = _DATE_FULL_RE.match(base) or _DATE_COMPACT_RE.match(base)
        if m:
            return _make_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    day = _phrase_date(base, year, allow_month)
    if day is not None:
        return day
    if _PLANNED_RE.search(compact) and (_IN_TEXT_RE.search(compact) or re.search(r"年底|年末|\d{4}年", compact)):
        raise PlannedDate("是预计的时间，不是实际日期", "实际开工或完工后再填写具体日期")
    if _VAGUE_RE.search(compact):
        raise ValueParseError("是不确定的时间，无法换算为日期", "请填写具体日期，如 2022年6月25日")
    found = _IN_TEXT_RE.findall(compact)
    if len(found) == 1:  # one date phrase in a sentence: "一期于3月底全面开工" is 3月底
        day = _phrase_date(found[0], year, allow_month=False)
        if day is not None:
            return day
    raise ValueParseError("无法识别为日期", "请填写日期，如 2021年6月18日 或 2021-06-18")


def is_month_only(text: str) -> bool:
    """A date written as a year and a month only (``2021年6月``, ``6月`` with the year from the hint)."""
    t = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text).strip())
    return bool(_DATE_MONTH_RE.match(t) or re.fullmatch(r"\d{1,2}月份?", t))


_TRUE_WORDS = {"是", "y", "yes", "√", "✓", "✔", "1", "true", "有", "对"}
_FALSE_WORDS = {"否", "n", "no", "×", "✗", "✘", "x", "0", "false", "不是"}


def parse_bool(value: Any) -> bool | None:
    """是/否, Y/N, √/×, 1/0, TRUE/FALSE -> bool; empty -> None; else error."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    s = unicodedata.normalize("NFKC", str(value)).translate(_INVISIBLE).strip().lower()
    if not s or s in EMPTY_MARKERS - {"无"}:
        return None
    if s in _TRUE_WORDS:
        return True
    if s in _FALSE_WORDS or s == "无":
        return False
    raise ValueParseError("无法识别为“是”或“否”", "请填写“是”或“否”")


_REPORT_DATE_LABELS = (r"填报日期|填报时间|统计截止日期|截止日期|截至日期|统计日期|统计时间|报送日期|报送时间|"
                       r"数据截至|数据截止|截止时间|截至时间|截止到|截至到|统计至|截至|截止")
_REPORT_DATE_RE = re.compile(
    r"(" + _REPORT_DATE_LABELS + r")\s*[:：]?\s*"
    r"(\d{8}|(?:\d{4}\s*[-/.年]\s*)?\d{1,2}\s*(?:[-/.月]\s*(?:\d{1,2}\s*[日号]?|底|末|上旬|中旬|下旬)?)?|(?:\d{4}\s*年)?年?底)")


def extract_report_date(text: Any, year: int | None = None) -> dt.date | None:
    """Find a 填报日期/截至 date in a title line: ``"填报单位：城东区住建局
    填报日期：2021年6月18日"``, ``"（截至2021年6月18日）"``, ``"截至2022年5月底"`` (the
    month's last day), ``"截至6月18日"`` (the year from `year`) -> date.  A phrase that
    names no single day (``截至2022年5月``, ``截至年底前后``) gives None: never guessed."""
    s = cell_text(text)
    if not s:
        return None
    s = unicodedata.normalize("NFKC", s)
    for m in _REPORT_DATE_RE.finditer(s):
        phrase = m.group(2).strip()
        rest = s[m.end():m.end() + 2]
        if not phrase or re.match(r"\s*(前后|左右|或)", rest):
            continue
        try:
            return parse_date(phrase, year=year)
        except ValueParseError:
            continue
    return None


def year_in_title(text: Any) -> int | None:
    """The one year a title names (``舒城县2022年城镇老旧小区改造项目表`` -> 2022); None when it
    names none or several (``2021-2022年``)."""
    s = cell_text(text)
    if not s:
        return None
    years = {int(y) for y in re.findall(r"(?<!\d)((?:19|20)\d{2})(?!\d)", unicodedata.normalize("NFKC", s))}
    years = {y for y in years if _MIN_YEAR <= y <= _MAX_YEAR}
    return years.pop() if len(years) == 1 else None
