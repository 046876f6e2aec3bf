"""Single-antigen bead results: vendor file layouts, bead-lot catalogues, control-bead QC.

Pure code: bytes/text in, ``ParsedFile`` out. Storage lives in ``dsa_monitor.store``.
"""
