"""Engines fed row by row and finalised once (``add_rows``, ``warnings``, ``result``): the same
numbers for ``| modelcompare``/``| modeldrift`` in Splunk and ``modelops.compare``/``drift`` in notebooks."""
