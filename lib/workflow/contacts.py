"""Contacts of reporting units (联系人): name, phone, email, group-robot webhook, per county, zone or
prefecture. Internal data (personal): administrators edit them, staff read them, the public never."""

from __future__ import annotations

import re

from sqlalchemy import select

from lib.access import auth
from lib.domain import regions
from lib.domain.clock import utcnow
from lib.domain.errors import UserError
from lib.store.engine import Store, audit
from lib.store.models_schedule import Contact
from lib.workflow import channels

FIELDS = ("name", "phone", "email", "webhook", "webhook_kind")


def _row(c: Contact) -> dict:
    return {"id": c.id, "adcode": c.adcode, "region": regions.describe(c.adcode) if regions.exists(c.adcode) else c.adcode,
            "name": c.name, "phone": c.phone, "email": c.email, "webhook": c.webhook, "webhook_kind": c.webhook_kind}


def _clean(adcode: str, name: str, phone: str | None, email: str | None, webhook: str | None,
           webhook_kind: str | None) -> dict:
    r = regions.resolve(str(adcode).strip())
    name = (name or "").strip()
    if not name or len(name) > 64:
        raise UserError("请填写联系人姓名（不超过 64 个字）。", "Give the contact's name (at most 64 characters).")
    phone = (phone or "").strip() or None
    if phone and not re.fullmatch(r"[0-9+\-() ]{5,32}", phone):
        raise UserError(f"电话“{phone[:40]}”不正确，只能含数字、空格和 +-()。", f"Bad phone {phone[:40]!r}.")
    email = channels.check_target("email", email) if (email or "").strip() else None
    webhook = (webhook or "").strip() or None
    kind = None
    if webhook:
        kind = (webhook_kind or channels.guess_webhook_kind(webhook)).strip()
        if kind not in channels.WEBHOOK_CHANNELS:
            raise UserError("群机器人类型须为 wecom（企业微信）或 dingtalk（钉钉）。", "Robot kind: wecom or dingtalk.")
        webhook = channels.check_target(kind, webhook)
    if not (phone or email or webhook):
        raise UserError("联系人至少要有电话、邮箱或群机器人地址之一。", "Give a phone, an email or a webhook.")
    return {"adcode": r.adcode, "name": name, "phone": phone, "email": email, "webhook": webhook,
            "webhook_kind": kind}


def add(store: Store, *, adcode: str, name: str, phone: str | None = None, email: str | None = None,
        webhook: str | None = None, webhook_kind: str | None = None, actor: "auth.Actor") -> dict:
    who = auth.require(actor, "user")  # administrators manage people
    vals = _clean(adcode, name, phone, email, webhook, webhook_kind)
    with store.write() as s:
        c = Contact(**vals, active=True, updated_by=who, updated_at=utcnow())
        s.add(c)
        s.flush()
        out = _row(c)
        audit(s, who, "contact.add", "contact", c.id, after=vals)
    return out


def update(store: Store, contact_id: int, *, actor: "auth.Actor", **changes) -> dict:
    who = auth.require(actor, "user")
    with store.write() as s:
        c = s.get(Contact, int(contact_id))
        if c is None or not c.active:
            raise UserError(f"没有编号为 {contact_id} 的联系人，请用 contact list 查看。", f"No contact {contact_id}.")
        before = {k: getattr(c, k) for k in ("adcode",) + FIELDS}
        merged = {**before, **{k: v for k, v in changes.items() if v is not None}}
        vals = _clean(merged["adcode"], merged["name"], merged["phone"], merged["email"], merged["webhook"],
                      merged["webhook_kind"])
        for k, v in vals.items():
            setattr(c, k, v)
        c.updated_by, c.updated_at = who, utcnow()
        audit(s, who, "contact.update", "contact", c.id, before=before, after=vals)
        return _row(c)


def remove(store: Store, contact_id: int, *, actor: "auth.Actor") -> dict:
    """A contact is retired (kept for the history of reminders sent to it), not deleted."""
    who = auth.require(actor, "user")
    with store.write() as s:
        c = s.get(Contact, int(contact_id))
        if c is None or not c.active:
            raise UserError(f"没有编号为 {contact_id} 的联系人，请用 contact list 查看。", f"No contact {contact_id}.")
        c.active, c.updated_by, c.updated_at = False, who, utcnow()
        audit(s, who, "contact.remove", "contact", c.id, before=_row(c))
        return _row(c)


def list_contacts(store: Store, *, viewer: "auth.Actor", region: str | None = None) -> list[dict]:
    """Active contacts (inside `region` if given). Staff only: a phone number is personal data."""
    if not auth.sees_internal(viewer):
        return []
    with store.session() as s:
        rows = s.scalars(select(Contact).where(Contact.active.is_(True)).order_by(Contact.adcode, Contact.id)).all()
    out = [_row(c) for c in rows if auth.sees_internal_in(viewer, c.adcode)]
    if region:
        out = [c for c in out if c["adcode"] == region or (regions.exists(c["adcode"])
                                                          and regions.contains(region, c["adcode"]))]
    return out


def of_units(store: Store, codes: list[str]) -> dict[str, list[dict]]:
    """Contacts per unit code (the system's read, for reminders)."""
    with store.session() as s:
        rows = s.scalars(select(Contact).where(Contact.active.is_(True), Contact.adcode.in_(list(codes) or [""]))
                         .order_by(Contact.id)).all()
    out: dict[str, list[dict]] = {c: [] for c in codes}
    for c in rows:
        out.setdefault(c.adcode, []).append({k: getattr(c, k) for k in FIELDS})
    return out
