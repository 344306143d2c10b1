"""The audit of a published self-evaluation: ``evalkit audit FILE|FOLDER``.

It owns reading a report as it was published (``readers``: .txt, .docx, .pdf, .html into one
``document`` model of paragraphs and tables with their locations, refusing what cannot be read with
one clear reason), plain-text handling of Chinese figures (``text``), finding the figures a report
states with where each came from (``extract``, its words as data in ``patterns.yaml``), the checks
(``checks``: its own, plus the core's findings run on a params model built from the figures; wording
and 整改建议 of its own finding ids in ``wording.yaml``), the ``evalkit-audit/v1`` document
(``report``), the reviewer's page and the folder's index (``review_pages``), the params mapping and the
mapped params file made from the figures (``mapping``) and many documents in bounded worker processes (``runner``).

It may import only ``evalkit.core``, ``evalkit.publish`` helpers (``markup``) and evalkit's top-level
modules (``exceptions``, ``iorw``, ``outputs``, ``paths``); only the CLI imports it. PDF and Word
libraries are imported inside the functions that read those formats.
"""

from .report import AUDIT_SCHEMA, audit_document
from .runner import AuditRun, audit_paths

__all__ = ["AUDIT_SCHEMA", "AuditRun", "audit_document", "audit_paths"]
