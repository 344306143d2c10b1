"""The scoring table ``绩效自评表.xlsx`` in the MoF 部门整体支出绩效自评表 layout: its layout
(``layout``, free of openpyxl); writing it from an evaluation (``write``, with ``sheet`` for cells,
``formulas`` for the live formulas, ``cached`` for their saved values, ``entry`` for what a department
fills in and the sheet's protection, ``page`` for printing); and reading a filled-in table back into a
params file (``read``, with ``archive``, ``cells``, ``locate``, ``assembly``, ``budget``, ``goals`` and
``verify`` for values typed over a formula).

It may import :mod:`evalkit.core` and the top-level modules; never ``publish``, ``portfolio``,
``run``, ``demo`` or ``cli``. openpyxl is loaded only when a table is written or read.
"""
