"""A serving process's heap, settled once the application is loaded.

Python's full garbage collection walks every object it tracks. With the application loaded
(Flask, SQLAlchemy's mappers and caches, the templates: about 190,000 objects) one took 117 ms,
and every few hundred requests one fell into a request: the single requests of 115-140 ms in
every latency run (BENCHMARKS.md, session 6). Frozen once loaded, those objects are no longer
walked (a full collection then took 2 ms), and a process that forks keeps their memory pages
shared with its children. Python's documented pattern (gc.freeze)."""

import gc


def settle() -> None:
    """Call once the app is loaded, before the process serves (or forks): what is alive now
    lives as long as the process."""
    gc.collect()
    gc.freeze()
