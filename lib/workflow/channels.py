"""Delivery channels: email (SMTP, with attachments) and the group robots of 企业微信 and 钉钉.

A message is markdown text plus a link to the dashboard, and files where the channel allows it:

* **email** (`SMTP_*` settings): a plain-text body (the markdown), the link, every file attached;
* **wecom** (企业微信群机器人): ``{"msgtype": "markdown", "markdown": {"content": ...}}``; a robot
  webhook carries no file, so the markdown names the files and links to the dashboard;
* **dingtalk** (钉钉群机器人): ``{"msgtype": "markdown", "markdown": {"title": ..., "text": ...}}``,
  likewise without files.

A send returns a `Result` (ok, error): an HTTP status other than 2xx, a robot's ``errcode`` other
than 0, a refused or unreachable mail server are failures with the reason, never exceptions
that lose the rest of a run.

Settings (environment, then `.streamlit/secrets.toml`, then the default; `SETTINGS` below).
"""

from __future__ import annotations

import json
import os
import smtplib
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Any

from lib.domain import settings as app_settings
from lib.domain.errors import UserError
from lib.domain.settings import Setting

CHANNELS = {"email": "电子邮件", "wecom": "企业微信群机器人", "dingtalk": "钉钉群机器人"}
WEBHOOK_CHANNELS = ("wecom", "dingtalk")
MARKDOWN_LIMIT = 4000  # 企业微信 markdown content is limited to 4096 bytes; 钉钉 to about 20,000

SETTINGS: tuple[Setting, ...] = (
    Setting("SMTP_HOST", "", "Mail server for scheduled delivery and reminders by email. Empty: email is not sent "
                             "(each such delivery fails with that reason and is shown by `deliver status`)."),
    Setting("SMTP_PORT", 25, "Port of the mail server (587 with `SMTP_SECURITY=starttls`, 465 with `ssl`).", int),
    Setting("SMTP_SECURITY", "none", "`none`, `starttls` or `ssl` (implicit TLS)."),
    Setting("SMTP_USER", "", "User name for the mail server; empty: no login."),
    Setting("SMTP_PASSWORD", "", "Password for the mail server (keep it in `secrets.toml` or the environment; "
                                 "never printed)."),
    Setting("SMTP_FROM", "renovation-dashboard@localhost", "Sender address of scheduled mail and reminders."),
    Setting("DASHBOARD_URL", "", "Address of the staff dashboard as recipients reach it "
                                 "(e.g. `https://renovation.example.gov.cn`), linked from every message; "
                                 "empty: messages carry no link."),
    Setting("DELIVERY_MAX_ATTEMPTS", 5, "Attempts per scheduled delivery before it is given up "
                                        "(retried after 5, 10, 20 … minutes).", int),
    Setting("DELIVERY_TIMEOUT_SECONDS", 20, "Timeout of one SMTP or webhook request, in seconds.", int),
)


@dataclass(frozen=True)
class DeliveryConfig:
    smtp_host: str
    smtp_port: int
    smtp_security: str
    smtp_user: str
    smtp_password: str
    smtp_from: str
    dashboard_url: str
    max_attempts: int
    timeout: int

    def __repr__(self) -> str:  # never print the password
        return f"DeliveryConfig(smtp={self.smtp_host}:{self.smtp_port}, from={self.smtp_from})"


def load(**overrides: Any) -> DeliveryConfig:
    """Resolve the delivery settings: override, environment, secrets.toml, default."""
    secrets = app_settings._secrets_file()
    v: dict[str, Any] = {}
    for s in SETTINGS:
        if overrides.get(s.name) is not None:
            raw = overrides[s.name]
        elif s.name in os.environ:
            raw = os.environ[s.name]
        elif s.name in secrets:
            raw = secrets[s.name]
        else:
            raw = s.default
        try:
            v[s.name] = s.parse(raw)
        except (TypeError, ValueError):
            raise UserError(f"设置 {s.name} 的值“{str(raw)[:40]}”不正确，应为整数。", f"{s.name} must be a number.") from None
    sec = str(v["SMTP_SECURITY"]).strip().lower()
    if sec not in ("none", "starttls", "ssl"):
        raise UserError(f"SMTP_SECURITY 应为 none、starttls 或 ssl，而不是“{sec[:20]}”。", "SMTP_SECURITY: none|starttls|ssl.")
    return DeliveryConfig(smtp_host=str(v["SMTP_HOST"]).strip(), smtp_port=v["SMTP_PORT"], smtp_security=sec,
                          smtp_user=str(v["SMTP_USER"]), smtp_password=str(v["SMTP_PASSWORD"]),
                          smtp_from=str(v["SMTP_FROM"]), dashboard_url=str(v["DASHBOARD_URL"]).rstrip("/"),
                          max_attempts=max(1, v["DELIVERY_MAX_ATTEMPTS"]), timeout=max(1, v["DELIVERY_TIMEOUT_SECONDS"]))


@dataclass
class Message:
    title: str
    markdown: str
    link: str | None = None
    files: list[tuple[str, bytes, str]] = field(default_factory=list)  # (name, content, mime type)

    def file_names(self) -> list[str]:
        return [f[0] for f in self.files]


@dataclass
class Result:
    ok: bool
    error: str | None = None
    detail: dict = field(default_factory=dict)


def link(cfg: DeliveryConfig, path: str = "") -> str | None:
    """The dashboard's address for a message (None without DASHBOARD_URL)."""
    return f"{cfg.dashboard_url}/{path.lstrip('/')}" if cfg.dashboard_url else None


def check_target(channel: str, target: str) -> str:
    """An email address for email, an http(s) URL for a robot; a clear sentence otherwise."""
    t = (target or "").strip()
    if channel not in CHANNELS:
        raise UserError(f"渠道须为 email、wecom（企业微信）或 dingtalk（钉钉），而不是“{channel[:20]}”。",
                        "Channel must be email, wecom or dingtalk.")
    if channel == "email":
        local, _, domain = t.partition("@")
        if (len(t) > 200 or t.count("@") != 1 or " " in t or not local
                or ("." not in domain and domain != "localhost")):
            raise UserError(f"邮箱地址“{t[:60]}”不正确，请写成 name@example.gov.cn。", f"Bad email address {t[:60]!r}.")
        return t
    if len(t) > 500 or not (t.startswith("https://") or t.startswith("http://")):
        raise UserError(f"{CHANNELS[channel]}地址须以 https:// 开头（群机器人的 Webhook 地址），而不是“{t[:60]}”。",
                        f"A robot webhook is an https:// URL, not {t[:60]!r}.")
    return t


def _clip(text: str, limit: int = MARKDOWN_LIMIT) -> str:
    raw = text.encode("utf-8")
    if len(raw) <= limit:
        return text
    return raw[:limit - 40].decode("utf-8", "ignore") + "\n\n……（内容过长，详见平台）"


def webhook_body(channel: str, msg: Message) -> dict:
    """The JSON a robot webhook expects (企业微信 / 钉钉 markdown)."""
    text = msg.markdown
    if msg.files:
        text += "\n\n附件（请在平台下载）：" + "、".join(msg.file_names())
    if msg.link:
        text += f"\n\n[打开平台]({msg.link})"
    if channel == "wecom":
        return {"msgtype": "markdown", "markdown": {"content": _clip(text)}}
    if channel == "dingtalk":
        return {"msgtype": "markdown", "markdown": {"title": msg.title[:64], "text": _clip(text, 18000)}}
    raise ValueError(channel)


def send_webhook(cfg: DeliveryConfig, channel: str, url: str, msg: Message) -> Result:
    body = json.dumps(webhook_body(channel, msg), ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"Content-Type": "application/json; charset=utf-8"})
    try:
        with urllib.request.urlopen(req, timeout=cfg.timeout) as resp:  # noqa: S310 - http(s) checked on entry
            status, payload = resp.status, resp.read(65536)
    except urllib.error.HTTPError as e:
        return Result(False, f"{CHANNELS[channel]}返回 HTTP {e.code}", {"status": e.code})
    except (urllib.error.URLError, OSError) as e:
        return Result(False, f"{CHANNELS[channel]}无法连接：{getattr(e, 'reason', e)}")
    try:
        answer = json.loads(payload.decode("utf-8") or "{}")
    except (UnicodeDecodeError, json.JSONDecodeError):
        answer = {}
    code = answer.get("errcode", 0) if isinstance(answer, dict) else 0
    if code not in (0, "0", None):
        return Result(False, f"{CHANNELS[channel]}拒收：errcode {code} {str(answer.get('errmsg', ''))[:100]}",
                      {"status": status, "errcode": code})
    return Result(True, None, {"status": status})


def send_email(cfg: DeliveryConfig, to: str, msg: Message) -> Result:
    if not cfg.smtp_host:
        return Result(False, "未配置邮件服务器（SMTP_HOST），邮件未发送")
    em = EmailMessage()
    em["Subject"] = msg.title
    em["From"] = formataddr(("城镇老旧小区改造调度平台", cfg.smtp_from))
    em["To"] = to
    em["Message-ID"] = make_msgid(domain=cfg.smtp_from.split("@")[-1] or "localhost")
    body = msg.markdown + (f"\n\n打开平台：{msg.link}" if msg.link else "")
    em.set_content(body, charset="utf-8")
    for name, content, mime in msg.files:
        main, _, sub = mime.partition("/")
        em.add_attachment(content, maintype=main, subtype=sub, filename=name)
    try:
        if cfg.smtp_security == "ssl":
            server = smtplib.SMTP_SSL(cfg.smtp_host, cfg.smtp_port, timeout=cfg.timeout,
                                      context=ssl.create_default_context())
        else:
            server = smtplib.SMTP(cfg.smtp_host, cfg.smtp_port, timeout=cfg.timeout)
        with server:
            if cfg.smtp_security == "starttls":
                server.starttls(context=ssl.create_default_context())
            if cfg.smtp_user:
                server.login(cfg.smtp_user, cfg.smtp_password)
            refused = server.send_message(em)
    except (smtplib.SMTPException, OSError) as e:
        return Result(False, f"邮件服务器 {cfg.smtp_host}:{cfg.smtp_port} 发送失败：{type(e).__name__} {str(e)[:160]}")
    if refused:
        return Result(False, f"邮件服务器拒收：{', '.join(refused)}")
    return Result(True, None, {"message_id": em["Message-ID"]})


def send(cfg: DeliveryConfig, channel: str, target: str, msg: Message) -> Result:
    """Send one message by one channel; a failure is a Result, never an exception."""
    if channel == "email":
        return send_email(cfg, target, msg)
    if channel in WEBHOOK_CHANNELS:
        return send_webhook(cfg, channel, target, msg)
    return Result(False, f"未知渠道 {channel}")


def guess_webhook_kind(url: str) -> str:
    """A robot URL's kind by its host: qyapi.weixin.qq.com is 企业微信, oapi.dingtalk.com is 钉钉."""
    u = (url or "").lower()
    return "dingtalk" if "dingtalk" in u else "wecom"
