"""dsa-monitor: donor-specific anti-HLA antibody monitoring for transplant and cell-therapy recipients."""

__version__ = "0.1.0"
