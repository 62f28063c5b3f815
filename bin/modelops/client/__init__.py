"""The container side (DSDL notebooks, the ``modelops`` CLI): telemetry to HEC, CSV ingest, searches
as DataFrames, model files, preprocessing, notebook export. Not shipped in the Splunk app; never
imports ``splunk`` or splunklib."""
