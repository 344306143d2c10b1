"""Every file ``evalkit run`` writes, in one registry: its name, the ``--formats`` value that makes it,
who writes it and how the index page links it. The runner, the batch, the index, the documents, the
exporters and the CLI all read it; no other module spells a file name.

>>> [o.filename for o in department_outputs(("pdf", "xlsx"))]
['evaluation.ipynb', 'result.json', 'appendix.pdf', '自评报告.pdf', '复核意见书.pdf', '绩效自评表.xlsx']
>>> FORMATS, APPENDIX_FORMATS, DOCUMENT_FORMATS
(('html', 'pdf', 'docx', 'xlsx'), ('html', 'pdf'), ('html', 'pdf', 'docx', 'xlsx'))
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Output:
    """One file of a run.

    ``format`` is the ``--formats`` value that produces it (None: every successful run writes it);
    ``kind`` is the key under which its writer returns it (``html``/``pdf`` from the exporters,
    ``docx``/``html``/``xlsx`` from the documents); ``label`` is the index page's link text (None: not
    linked).
    """

    filename: str
    format: str | None
    writer: str  # the module that writes it: department, stale, lock (run/), exporters, documents, index (publish/),
    # runner (audit/)
    kind: str = ""
    label: str | None = None


# --- one department: reports/<year>/<department-id>/ --------------------------------------------
NOTEBOOK = Output("evaluation.ipynb", None, "department", label="notebook")
RESULT = Output("result.json", None, "department", label="result.json")
APPENDIX_HTML = Output("appendix.html", "html", "exporters", "html", "HTML 附件")
APPENDIX_PDF = Output("appendix.pdf", "pdf", "exporters", "pdf", "PDF 附件")
# the department's voice: its report and the table it files
REPORT_DOCX = Output("自评报告.docx", "docx", "documents", "docx", "自评报告")
REPORT_HTML = Output("自评报告.html", "html", "documents", "html", "自评报告（HTML）")
REPORT_PDF = Output("自评报告.pdf", "pdf", "documents", "pdf", "自评报告（PDF）")
# the reviewer's voice: the finance bureau's 复核意见书
OPINION_DOCX = Output("复核意见书.docx", "docx", "documents", "opinion_docx", "复核意见书")
OPINION_HTML = Output("复核意见书.html", "html", "documents", "opinion_html", "复核意见书（HTML）")
OPINION_PDF = Output("复核意见书.pdf", "pdf", "documents", "opinion_pdf", "复核意见书（PDF）")
TABLE_XLSX = Output("绩效自评表.xlsx", "xlsx", "documents", "xlsx", "自评表")
#: A failed department's record; with the partial notebook, the only thing a failure leaves.
ERROR = Output("error.json", None, "department", label="错误记录")
#: The fingerprint of the last successful run (incremental runs compare against it); it also names
#: the params file that produced the folder (``params``, its name inside the params folder).
STAMP = Output(".evalkit-run.json", None, "department")
#: Marks a folder that no params file of the latest run produced (deleted or renamed file, changed
#: ``department.id``): ``{"reason": one of STALE_REASONS, "params": "x.yaml" | null}``. The index lists it
#: as 已过期 outside the ranking; the next run that produces the folder again removes it.
STALE = Output("stale.json", None, "stale")
#: Why a folder is stale: its params file is not in the run, now produces another department, or the
#: folder does not say which params file produced it.
STALE_REASONS = ("absent", "reassigned", "unknown")
#: Where a department (or overview) run puts its new files until every one of them is written; they
#: then replace the previous run's files by renames, so a failure of the run itself keeps those.
STAGING = ".evalkit-staging"

#: What a successful department run leaves, in the order the index links them.
DEPARTMENT = (APPENDIX_HTML, APPENDIX_PDF, RESULT, NOTEBOOK, REPORT_DOCX, REPORT_HTML, REPORT_PDF, OPINION_DOCX,
              OPINION_HTML, OPINION_PDF, TABLE_XLSX)

# --- one year: reports/<year>/ --------------------------------------------------------------------
INDEX = Output("index.html", None, "index")
OVERVIEW_NOTEBOOK = Output("overview.ipynb", None, "department")
OVERVIEW_HTML = Output("overview.html", "html", "exporters", "html", "全区总览（HTML）")
OVERVIEW_PDF = Output("overview.pdf", "pdf", "exporters", "pdf", "全区总览（PDF）")
OVERVIEW_ERROR = Output("overview.error.json", None, "department", label="全区总览生成失败：错误记录")
OVERVIEW = (OVERVIEW_HTML, OVERVIEW_PDF, OVERVIEW_ERROR)

#: Every ``--formats`` value, in the order the CLI lists them; each means one file type (``html`` the
#: appendix's and the documents' ``.html``, ``pdf`` their ``.pdf``, ``docx`` the documents' ``.docx``,
#: ``xlsx`` the scoring tables).
FORMATS = ("html", "pdf", "docx", "xlsx")
#: The formats the nbconvert exporters make (appendix and overview pages).
APPENDIX_FORMATS = tuple(f for f in FORMATS if any(o.format == f and o.writer == "exporters" for o in DEPARTMENT))
#: The formats of the documents a department files (report draft, 复核意见书, scoring table).
DOCUMENT_FORMATS = tuple(f for f in FORMATS if any(o.format == f and o.writer == "documents" for o in DEPARTMENT))
#: Folder beside the years for params files that could not be read at all (they have no year).
INVALID_DIR = "_invalid"
#: The lock of an output folder (``<out>/.evalkit-run.lock``, holding the running ``evalkit run``'s pid):
#: one run at a time writes there.
LOCK = Output(".evalkit-run.lock", None, "lock")


#: The folder of a department's project tables inside its output folder (``项目/<project>/…``).
PROJECTS_DIR = "项目"


# --- `evalkit audit`: per document, and a folder's index --------------------------------------------
#: The index page of an audit run over several documents, ranking them by errors.
AUDIT_INDEX = Output("index.html", None, "runner")
AUDIT_SUFFIXES = {"json": ".audit.json", "html": ".audit.html"}


def audit_json_name(document: str) -> str:
    """The ``evalkit-audit/v1`` record of a document: ``报告.pdf`` → ``报告.pdf.audit.json``."""
    return f"{document}{AUDIT_SUFFIXES['json']}"


def audit_page_name(document: str) -> str:
    """The reviewer's page of a document: ``报告.pdf`` → ``报告.pdf.audit.html``."""
    return f"{document}{AUDIT_SUFFIXES['html']}"


def audit_params_name(department_id: str) -> str:
    """The params file `evalkit audit --params-out` maps a report to: ``<department-id>.yaml``."""
    return f"{department_id}.yaml"


def department_outputs(formats) -> list[Output]:
    """The files a successful department run leaves for ``formats``: notebook, result.json, then
    the files of those formats in the order of :data:`DEPARTMENT`."""
    wanted = set(formats)
    always = [NOTEBOOK, RESULT]
    return always + [o for o in DEPARTMENT if o.format is not None and o.format in wanted]


def partial_notebook(stem: str) -> str:
    """The name a notebook executes under until it has finished: ``evaluation.partial.ipynb``."""
    return f"{stem}.partial.ipynb"


def overview_outputs(formats) -> list[Output]:
    """The overview pages ``formats`` ask for."""
    return [o for o in (OVERVIEW_HTML, OVERVIEW_PDF) if o.format in set(formats)]
