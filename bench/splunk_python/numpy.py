"""Splunk's Python has no numpy; the benches put this folder first on PYTHONPATH so a command finds
none either, as in Splunk (its pure-Python path, and no 0.1 s spent importing numpy at start)."""

raise ImportError("numpy is not part of Splunk's Python")
