"""The register: its DuckDB store and schema (``store``), users and the audit log, submission
of deliveries (``submit``) and Kanta batches (``kanta_load``), the merge of both sources and the
quarter build (``merge``, ``build``), re-identification (``privacy``) and the Parquet export
(``export``). ``docs/register.md`` describes the tables, the merge rules and the privacy model.
"""
