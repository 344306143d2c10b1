"""Reading a report: a document that cannot be read is refused with one reason, and the refusal
travels between processes naming the file."""

from __future__ import annotations

import evalkit


def test_a_refused_document_error_pickles_and_names_the_file():
    import pickle

    from evalkit.audit.source_document import DocumentRefused

    exc = pickle.loads(pickle.dumps(DocumentRefused("x.pdf", "encrypted", "the PDF is encrypted")))
    assert (exc.source, exc.reason, str(exc)) == ("x.pdf", "encrypted", "x.pdf: the PDF is encrypted")
    assert isinstance(exc, evalkit.EvalkitError)
