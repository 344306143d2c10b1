"""Lights as pages show them: a coloured dot and the light in words (红灯, 黄灯, 绿灯, 蓝灯), so a page
printed in black and white still says it. Light enough for the index page (no plotting library).

>>> light_badge("yellow")
"<span style='color:#d4a017'>●</span>黄灯"
"""

from __future__ import annotations

from ..core.lights import LIGHT_WORDS

#: The colour of each light's dot (the word beside it carries the meaning).
LIGHT_COLOURS = {"red": "#c0392b", "yellow": "#d4a017", "green": "#2e8b57", "blue": "#2f6db5"}


def light_badge(light: str | None) -> str:
    """``<span …>●</span>黄灯``: a coloured dot and the light in words (HTML); ``未亮灯`` for none."""
    if light is None:
        return "未亮灯"
    return f"<span style='color:{LIGHT_COLOURS[light]}'>●</span>{LIGHT_WORDS[light]}"


def index_light(light: str | None) -> str:
    """The index's mention of a department's light (HTML; empty without monitoring)."""
    return f"<br><small>绩效运行监控：{light_badge(light)}</small>" if light else ""
