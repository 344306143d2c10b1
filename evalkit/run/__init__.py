"""Running departments: one department through papermill on an IPC kernel and its exports
(``department``), its new files replacing the previous run's all at once (``staging``), batches of
them in long-lived worker processes with the index and the overview (``batch``), worker processes
that never outlive the run (``workers``) or on Dask (``engines``, ``dask_workers``), the kernels departments run on
(``kernels``: one fresh kernel each, started ahead and forked from a server that has imported what
a notebook needs, ``forkserver``; ``kernel`` makes each die with its starter), one run at a time
per output folder (``lock``), the folders no params file produces any more (``stale``), and the
stamps that let a rerun settle an unchanged department without evaluating it (``fingerprint``).

It may import :mod:`evalkit.core`, :mod:`evalkit.publish` and the top-level modules; never ``cli``.
Nothing else in evalkit imports it.
"""
