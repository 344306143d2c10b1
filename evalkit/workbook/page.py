"""How the scoring table prints: A4 landscape, fit to the page width only (as many pages long as the
table is, in type about the size it was set in), the indicator header repeated on every page, page
numbers in the footer; and where the panes are frozen on screen.
"""

from __future__ import annotations

from openpyxl.utils import get_column_letter

from .layout import FREEZE_MAX_ROW, KEY_COLUMNS, WIDTHS

LAST = get_column_letter(len(WIDTHS))


def set_up_pages(sheet, header: int, last: int) -> None:
    """A4 landscape, fit to the page width only, the indicator header (row ``header``) repeated on
    every page; the print area ends at row ``last``."""
    sheet.freeze_panes = freeze_cell(header)
    sheet.print_title_rows = f"{header}:{header}"
    sheet.print_area = f"A1:{LAST}{last}"
    setup = sheet.page_setup
    setup.orientation, setup.paperSize = "landscape", sheet.PAPERSIZE_A4
    setup.fitToWidth, setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    margins = sheet.page_margins
    margins.left = margins.right = 0.4
    margins.top = margins.bottom = 0.6
    margins.header = margins.footer = 0.3
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"


def freeze_cell(header_row: int) -> str:
    """Where the panes are frozen: below the indicator header when it sits near the top, else only
    the key columns, so an analyst scrolling a long table never has most of the window pinned.

    >>> freeze_cell(5), freeze_cell(15)
    ('D6', 'D1')
    """
    column = get_column_letter(KEY_COLUMNS + 1)
    return f"{column}{header_row + 1}" if header_row <= FREEZE_MAX_ROW else f"{column}1"
