"""Benchmarks of powbureau (not shipped with the package)."""
