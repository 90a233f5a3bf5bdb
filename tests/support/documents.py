"""The text of a Word file as python-docx reads it."""

from __future__ import annotations

import io

from docx import Document


def docx_text(data: bytes) -> tuple[str, list]:
    """The paragraphs' text (one per line) and the tables."""
    doc = Document(io.BytesIO(data))
    text = "\n".join(p.text for p in doc.paragraphs)
    return text, doc.tables
