"""The scoring module evalkit exists for: one department-year from its parameter file to an
:class:`~evalkit.core.evaluation.Evaluation`.

It owns the model (``model``), exact numbers (``numbers``), reading and validating params files
(``source`` for YAML with line marks, ``validation`` for collecting every problem, ``side_tables``,
``params``, and ``serialisation`` back to YAML), schemes (``scheme``), budget execution (``budget``),
payments and projects (``payments``), scoring (``scoring``), findings and their wording (``findings``,
``wording``), provenance and the evaluation itself (``evaluation``).

It may import only the standard library, pandas, PyYAML and evalkit's top-level ``exceptions`` and
``paths``: never another evalkit subpackage, and no notebook, document, plotting or spreadsheet
library (XLSX side tables load openpyxl inside the one function that reads them).
"""
