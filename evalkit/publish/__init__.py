"""What a person reads: the display blocks of the department appendix (``appendix``) and of the
district overview (``overview``), charts and the CJK font, the nbconvert exporters and their
offline template (``exporters``, ``templates/``), the index page, the report draft (``draft``) and the 复核意见书
(``opinion``), both written documents (``written``) with Word and HTML renderings (``written_docx``,
``written_html``), the documents of one department (``documents``) and the terminal view
of ``evalkit score`` (``terminal``).

It may import :mod:`evalkit.core`, :mod:`evalkit.portfolio` (the overview),
:mod:`evalkit.workbook` (the documents a department files) and the top-level modules; never
``run`` or ``cli``.
"""
