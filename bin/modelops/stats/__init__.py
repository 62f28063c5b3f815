"""Pure-Python statistics for the Splunk side (no numpy/scipy in Splunk's Python).

Every function states the scipy/statsmodels reference it reproduces; the tests hold them to it.
"""
