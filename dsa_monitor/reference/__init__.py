"""Reference data at the edge: installing IPD-IMGT/HLA releases and choosing the active one (I/O)."""
