"""Statistical batteries for winit's streams (issue 9).

Not part of the default pytest run. Run with::

    python -m tests.battery --help
    python -m tests.battery                 # everything: dieharder -a on every source + ours
    python -m tests.battery --quick         # minutes: a few dieharder tests + ours on small n

Sources (``sources.py``) write raw little-endian uint32 words; ``dieharder -g 200``
reads them from stdin. Our own tests (``own.py``) cover what dieharder cannot see:
dependence *between* streams, keys and child generators, and between the two outputs
of a Box-Muller pair.
"""
