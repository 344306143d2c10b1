"""Running departments: one department through papermill on an IPC kernel and its exports
(``department``), batches of them in long-lived worker processes with the index and the overview
(``batch``), and the input fingerprints that make reruns incremental (``fingerprint``).

It may import :mod:`evalkit.core`, :mod:`evalkit.publish` and the top-level modules; never ``cli``.
Nothing else in evalkit imports it.
"""
