"""Mid-year monitoring (绩效运行监控, "双监控") outside the pure core: the bulk-entry table a finance
bureau sends out and reads back into ``<stem>.monitoring.yaml`` files.

The rules — the file's contract, the lights and the year-end contradictions — are the core's
(:mod:`evalkit.core.monitoring`, :mod:`evalkit.core.lights`, :mod:`evalkit.core.midyear`); the
pages are :mod:`evalkit.publish.monitoring`. It imports the core, the workbook's cell helpers,
``iorw``, ``paths`` and ``exceptions``; only the CLI imports it.
"""
