"""Every setting of the dashboard, in one place.

Settings are data: each one has a name, the environment variable that sets it,
a default and a help text. The README documents exactly this list and
`tests/test_docs.py` keeps the two in step. Values come from the environment
first, then from `.streamlit/secrets.toml` (top-level keys of the same name),
then the default.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = ROOT / "data"
DEFAULT_SQLITE_PATH = DATA_DIR / "renovation.db"


def _bool(value: str | bool) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    parse: Callable[[Any], Any] = str


SETTINGS: tuple[Setting, ...] = (
    Setting("DATABASE_URL", f"sqlite:///{DEFAULT_SQLITE_PATH}",
            "SQLAlchemy URL of the store. Default: an embedded SQLite file `data/renovation.db`, "
            "created on first use. PostgreSQL: `postgresql+psycopg://user:password@host:5432/dbname`."),
    Setting("DASHBOARD_PUBLIC", False,
            "`1` runs the public read-only deployment: no login, no uploads, no internal remarks, "
            "the store opened read-only.", _bool),
    Setting("DASHBOARD_LANG", "zh", "Default interface language: `zh` (Chinese) or `en`."),
    Setting("DASHBOARD_DEMO", True,
            "`1` loads the demonstration programmes into an empty store on first start; `0` leaves it empty.",
            _bool),
    Setting("BASEMAP_STYLE_URL", "",
            "Optional MapLibre style URL for a tile basemap (a tile server the deployment can reach). "
            "Empty: no basemap, no request leaves the server.", str),
    Setting("UPLOAD_MAX_MB", 20, "Largest spreadsheet accepted, in MB.", int),
    Setting("UPLOAD_MAX_ROWS", 50_000, "Most data rows accepted in one spreadsheet.", int),
    Setting("SESSION_TTL_MINUTES", 480, "A login session expires after this many minutes.", int),
)


def _secrets_file() -> dict[str, Any]:
    path = ROOT / ".streamlit" / "secrets.toml"
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}


@dataclass(frozen=True)
class Config:
    database_url: str
    public: bool
    lang: str
    demo: bool
    basemap_style_url: str
    upload_max_mb: int
    upload_max_rows: int
    session_ttl_minutes: int
    extra: dict = field(default_factory=dict)

    def __repr__(self) -> str:  # never print a password
        return f"Config(database_url={mask_url(self.database_url)!r}, public={self.public})"

    @property
    def upload_max_bytes(self) -> int:
        return self.upload_max_mb * 1024 * 1024


def load_config(**overrides: Any) -> Config:
    """Resolve every setting: explicit override, environment, secrets.toml, default."""
    secrets = _secrets_file()
    values: dict[str, Any] = {}
    for s in SETTINGS:
        key = s.name.lower().removeprefix("dashboard_")
        if key in overrides and overrides[key] is not None:
            raw = overrides[key]
        elif s.name in os.environ:
            raw = os.environ[s.name]
        elif s.name in secrets:
            raw = secrets[s.name]
        else:
            raw = s.default
        values[key] = s.parse(raw)
    return Config(
        database_url=values["database_url"],
        public=values["public"],
        lang=values["lang"] if values["lang"] in ("zh", "en") else "zh",
        demo=values["demo"],
        basemap_style_url=values["basemap_style_url"],
        upload_max_mb=values["upload_max_mb"],
        upload_max_rows=values["upload_max_rows"],
        session_ttl_minutes=values["session_ttl_minutes"],
    )


_current: Config | None = None


def current() -> Config:
    """The settings of this process, resolved once (the first time they are asked for)."""
    global _current
    if _current is None:
        _current = load_config()
    return _current


def reset() -> None:
    """Forget the resolved settings: the next `current()` reads the environment again (tests)."""
    global _current
    _current = None


def mask_url(url: str) -> str:
    """The URL with its password replaced by ***, safe to log or print."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # a malformed URL: show only the scheme
        return url.split(":", 1)[0] + ":…"
