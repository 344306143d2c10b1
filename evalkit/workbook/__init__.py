"""The scoring table ``绩效自评表.xlsx``: its layout (``layout``, free of openpyxl), writing it from an
evaluation (``write``), and reading a filled-in table back into a params file (``read``, with
``cells``, ``locate``, ``budget`` and ``goals``).

It may import :mod:`evalkit.core` and the top-level modules; never ``publish``, ``portfolio``,
``run``, ``demo`` or ``cli``. openpyxl is loaded only when a table is written or read.
"""
