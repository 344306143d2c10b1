"""The illustrative district (示例数据): a deterministic generator (``generate``) of params files from a
catalogue of invented departments (``catalogue.yaml``, designed by ``design``), with planted problems
(``plants``) written out with their plan (``render``).

It may import :mod:`evalkit.core` and the top-level modules; never another subpackage.
"""
