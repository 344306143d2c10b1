"""The CJK font evalkit draws Chinese with, in charts and in HTML/PDF appendices.

Debian's ``fonts-noto-cjk`` ships Noto Sans CJK as TTC collections holding one face per
region (JP, KR, SC, TC, HK). matplotlib >= 3.11 registers every face of a collection; an older
one sees only the first (JP) face, and its font cache is not rebuilt when fonts are installed
after it was built. :func:`use_cjk_font` deals with both: it registers the collections
explicitly when matplotlib does not know the SC face yet, then asks for that face by name.

Importing this module has no side effects; call :func:`use_cjk_font` at the top of a notebook.
"""

from __future__ import annotations

from pathlib import Path

from evalkit.exceptions import FontMissingError

__all__ = ["CJK_FONT_FAMILY", "CSS_FONT_STACK", "CSS_MONO_FONT_STACK", "use_cjk_font"]

#: The face asked for by name: Simplified Chinese glyph shapes (the JP face draws some Han
#: characters differently).
CJK_FONT_FAMILY = "Noto Sans CJK SC"

#: CSS ``font-family`` value for HTML/PDF appendices. Noto first (what the PDF embeds), then
#: what a reader's Windows or macOS machine has when it opens the HTML appendix.
CSS_FONT_STACK = (
    '"Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans SC", "PingFang SC", '
    '"Microsoft YaHei", "Hiragino Sans GB", sans-serif'
)

#: CSS ``font-family`` value for preformatted text (printed tables, tracebacks).
CSS_MONO_FONT_STACK = (
    '"Noto Sans Mono CJK SC", "Sarasa Mono SC", "DejaVu Sans Mono", Consolas, '
    '"Microsoft YaHei", monospace'
)

#: The Debian package that provides the font, named in the error message.
APT_PACKAGE = "fonts-noto-cjk"

#: Where Debian installs the collections (``dpkg -L fonts-noto-cjk``).
FONT_DIRS = (Path("/usr/share/fonts/opentype/noto"),)
_FONT_GLOB = "NotoSansCJK-*.ttc"


def use_cjk_font() -> str:
    """Make matplotlib draw Chinese text with Noto Sans CJK SC.

    Registers the Debian Noto Sans CJK collections with matplotlib if it does not know the SC
    face yet, puts that face first in ``font.sans-serif``, selects the sans-serif family and
    draws the minus sign as an ASCII hyphen. Calling it again changes nothing.

    Returns
    -------
    str
        The family name now used, :data:`CJK_FONT_FAMILY`.

    Raises
    ------
    FontMissingError
        The font is not installed (install the ``fonts-noto-cjk`` Debian package), or this
        matplotlib cannot read the SC face of the collection (upgrade to matplotlib >= 3.11).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> use_cjk_font()
    'Noto Sans CJK SC'
    >>> fig, ax = plt.subplots()
    >>> _ = ax.set_title("预算执行率")
    >>> plt.close(fig)
    """
    import matplotlib
    from matplotlib import font_manager

    if not _is_known(font_manager.fontManager):
        for path in _font_files():
            font_manager.fontManager.addfont(str(path))
        if not _is_known(font_manager.fontManager):
            raise FontMissingError(_missing_message(matplotlib.__version__))

    sans = [name for name in matplotlib.rcParams["font.sans-serif"] if name != CJK_FONT_FAMILY]
    matplotlib.rcParams["font.family"] = ["sans-serif"]
    matplotlib.rcParams["font.sans-serif"] = [CJK_FONT_FAMILY, *sans]
    matplotlib.rcParams["axes.unicode_minus"] = False
    matplotlib.rcParams["text.parse_math"] = False  # a name with "$" is text, not mathtext to parse
    return CJK_FONT_FAMILY


def _is_known(manager) -> bool:
    return any(entry.name == CJK_FONT_FAMILY for entry in manager.ttflist)


def _font_files() -> list[Path]:
    return sorted(path for folder in FONT_DIRS if folder.is_dir() for path in folder.glob(_FONT_GLOB))


def _missing_message(matplotlib_version: str) -> str:
    if not _font_files():
        return (
            f"The font {CJK_FONT_FAMILY!r} is not installed, so Chinese text would be drawn as "
            f"empty boxes. Install it with: sudo apt-get install {APT_PACKAGE} "
            "(or run .ci/install-system-packages.sh as root)."
        )
    return (
        f"matplotlib {matplotlib_version} cannot read the {CJK_FONT_FAMILY!r} face from "
        f"{', '.join(str(p) for p in _font_files())}: it reads only the first face of a font "
        "collection. Upgrade to matplotlib >= 3.11."
    )
