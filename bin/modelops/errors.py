"""Errors the user can fix. Their message is one sentence that is shown as-is in Splunk."""


class ModelOpsError(ValueError):
    """A problem with the user's input or request; ``str(error)`` is the whole, single-line message."""
