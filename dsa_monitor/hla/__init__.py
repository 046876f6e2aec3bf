"""HLA nomenclature: names, serologic antigens, GL Strings, typings and reference-data lookups.

Pure code: no Flask, no SQL. Reference data comes in as parsed objects (see ``reference.py``).
"""
