"""Many departments at once: a district's (or province's) department-years as tidy DataFrames, and
the cross-department findings that only show when they are read together, with their thresholds
as data in ``rules.yaml``.

It may import :mod:`evalkit.core` and the top-level modules; never ``publish``, ``workbook``,
``run``, ``demo`` or ``cli``.
"""
