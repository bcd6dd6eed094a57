"""Console scripts of nova-cca."""
