"""What a department's outputs were made from, and whether they are still current: the stamp a finished
department leaves (:mod:`.fingerprint`), read by ``evalkit run`` to skip what has not changed and by
``Portfolio.load`` to read a department's ``result.json`` instead of evaluating it again.

May import ``core``, ``exceptions``, ``iorw``, ``outputs`` and ``paths``; ``run`` and ``portfolio``
import it.
"""
