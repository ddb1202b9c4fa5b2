"""Hamrah's benchmark suite (issue #8): page times, core computations, the naive worklist, the
dose import and peak memory, at demo or network scale, on SQLite or PostgreSQL.

``make bench`` (``python -m bench.run``) runs it and prints one table; ``bench/README.md`` says
what each row means. The suite is not part of the product: nothing in the app imports it.
"""
