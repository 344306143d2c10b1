"""The stamps of a run's department folders: :mod:`evalkit.stamps.fingerprint`, where ``Portfolio.load``
reads them too."""

from ..stamps.fingerprint import (  # noqa: F401
    FINGERPRINT_KEYS,
    MAX_STAMP,
    Stamps,
    current_in,
    file_digest,
    fingerprint,
    notebooks_digest,
    output_digests,
    outputs_intact,
    package_digest,
    same_fingerprint,
    stamp,
)
