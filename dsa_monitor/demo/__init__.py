"""A synthetic trial to show and test the service: typed people, bead panels, Fusion files."""
