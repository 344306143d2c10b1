"""示例数据: how illustrative (not real) departments are marked.

A department is illustrative when its region names itself so (``示例区（示例数据）``). Every output
made from one says 示例数据; this module is the one place that knows the mark.

>>> is_sample_region("示例区（示例数据）"), is_sample_region("某高新区"), is_sample_region(None)
(True, False, False)
"""

from __future__ import annotations

SAMPLE_MARK = "示例"


def is_sample_region(region: str | None) -> bool:
    """Whether a department of ``region`` holds illustrative data."""
    return SAMPLE_MARK in (region or "")
