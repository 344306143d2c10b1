"""A linear-time min-content width for long unspaced (Chinese) text in WeasyPrint.

To size a table's columns WeasyPrint finds each cell's min-content width: the widest piece of text
that cannot be broken. It gets the pieces by laying out the cell's text with no width, taking the
first line, and starting again from where that line ended
(``weasyprint.layout.preferred.inline_line_widths`` calling ``split_first_line`` with
``max_width=0``). Each call lays out the whole rest of the text, unless a space lets WeasyPrint cut
it short; Chinese has no spaces, and every character is a place to break, so a cell of *n*
characters costs *n* layouts of up to *n* characters each: a third to a half of an appendix's PDF.

:func:`install` makes that one call look at a window of the text's first :data:`WINDOW` characters
when the answer cannot depend on what follows the window, and at the whole text otherwise:

- The first line's width is measured by WeasyPrint on the first line's text alone
  (``first_line_metrics`` lays it out again by itself), so it depends only on where the line ends.
- Where the line ends is the first break opportunity Pango finds (Unicode line breaking, UAX #14):
  a property of the characters beside it. The window is used only when the break it finds lies at
  least :data:`MARGIN` characters before the window's end, and the window holds no space
  (UAX #14's only rules that reach further ahead run over spaces; the others look two characters
  ahead at most).
- Pango picks a font by script, and punctuation and digits take the script of the letters around
  them, looking ahead when they start the text: the window is used only when it has a letter (a
  Chinese character or a Latin letter) before the margin, so every character up to the break
  takes its script from inside the window.
- Where words may be broken anywhere (``word-break: break-all``, ``overflow-wrap: anywhere``, as
  evalkit's tables allow), ``split_first_line`` lays the text out once more, breaking between any
  two characters: the first line is then the first character (cluster), again a local matter.
- The rest of ``split_first_line`` reads the whole text only to hyphenate (soft hyphens, or
  ``hyphens: auto``) and under ``white-space`` other than ``normal``; text with either takes the
  original path.

Only the min-content computation is changed (``preferred.split_first_line``); the lines that are
drawn are laid out as before. ``tests/publish/test_pdf_min_content.py`` renders the pages evalkit
makes both ways and compares the PDF bytes. The shortcut is installed only on the WeasyPrint
versions it was checked against (:data:`CHECKED_VERSIONS`); any other version renders as it comes.
"""

from __future__ import annotations

import functools

#: Characters of the text laid out instead of all of it.
WINDOW = 24
#: The break found must lie this many characters before the window's end.
MARGIN = 8
#: WeasyPrint major versions whose ``split_first_line`` this was checked against.
CHECKED_VERSIONS = ("70.",)
#: How many answers to keep before starting afresh.
_REMEMBERED = 20_000


def install() -> bool:
    """Put the windowed call in WeasyPrint's min-content computation; ``True`` if installed.

    Idempotent. Leaves WeasyPrint untouched on a version not in :data:`CHECKED_VERSIONS`.
    """
    import weasyprint
    from weasyprint.layout import preferred

    if not weasyprint.__version__.startswith(CHECKED_VERSIONS):
        return False
    if getattr(preferred.split_first_line, "_evalkit_windowed", False):
        return True
    preferred.split_first_line = windowed(preferred.split_first_line)
    return True


#: The style properties ``split_first_line`` reads (``weasyprint/text/line_break.py`` and
#: ``text/fonts.py``, version 70), besides the font configuration.
_READ = ("direction", "font_family", "font_feature_settings", "font_kerning", "font_language_override",
         "font_size", "font_stretch", "font_style", "font_variant_alternates", "font_variant_caps",
         "font_variant_east_asian", "font_variant_ligatures", "font_variant_numeric",
         "font_variant_position", "font_variation_settings", "font_weight", "hyphenate_character",
         "hyphenate_limit_chars", "hyphenate_limit_zone", "hyphens", "lang", "letter_spacing",
         "line_height", "overflow_wrap", "tab_size", "text_decoration_line", "white_space",
         "word_break", "word_spacing")


def windowed(split_first_line):
    """``split_first_line`` that lays out a window of the text where the result is the same, and
    remembers the break and width it found for a text in a style (all the min-content computation
    reads of its answer)."""
    seen: dict[tuple, tuple] = {}
    styles: dict[tuple, int] = {}  # a number for each style seen, to keep the keys small

    @functools.wraps(split_first_line)
    def split(text, style, context, max_width, justification_spacing, is_line_start=True, minimum=False):
        read = (style.font_config, *(repr(style[name]) for name in _READ))
        key = (text, max_width, justification_spacing, is_line_start, minimum, styles.setdefault(read, len(styles)))
        found = seen.get(key)
        if found is None:
            found = _split(text, style, context, max_width, justification_spacing, is_line_start, minimum)
            if len(seen) >= _REMEMBERED:
                seen.clear()
                styles.clear()
            seen[key] = found = (None, None, found[2], found[3], None, None)
        return found

    def _split(text, style, context, max_width, justification_spacing, is_line_start, minimum):
        if max_width == 0 and minimum and len(text) > WINDOW and _plain(text, style):
            window = text[:WINDOW]
            found = split_first_line(window, style, context, max_width, justification_spacing,
                                     is_line_start=is_line_start, minimum=minimum)
            resume = found[2]
            if resume is not None and resume <= len(window[:WINDOW - MARGIN].encode()):
                return found
        return split_first_line(text, style, context, max_width, justification_spacing,
                                is_line_start=is_line_start, minimum=minimum)

    split._evalkit_windowed = True
    return split


def _plain(text: str, style) -> bool:
    """No space in the window, a letter before its margin, nothing to hyphenate, ``white-space: normal``."""
    head = text[:WINDOW - MARGIN]
    return (" " not in text[:WINDOW] and any(c.isalpha() for c in head) and "\xad" not in text
            and style["white_space"] == "normal" and style["hyphens"] != "auto")
