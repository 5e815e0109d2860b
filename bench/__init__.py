"""Reproducible benchmark of the capacity roll-up against the straightforward implementations.

Run ``python -m bench.run`` (see ``bench/README.md``). Nothing here is imported by the product.
"""
