"""The Kanta source: the extract format and the derivation of components II–V from it.

- :mod:`sosdata.kanta.extract` — the extract format: ``EXTRACT_SCHEMA``, ``read_extract``,
  ``scan_extract``, ``write_extract``.
- :mod:`sosdata.kanta.derive` — ``derive(extract, period, *, versions=None) -> Derivation``.
- :mod:`sosdata.kanta.pipeline` — ``derive_path`` (read, derive, check with the delivery's
  rules) and ``derive_to_directory`` (and write the component files and a summary).
"""
