"""A telemetry sender that keeps what the client would send, for tests that read the events back."""


class CollectingSender:
    def __init__(self):
        self.envelopes = []

    def enqueue(self, envelope):
        self.envelopes.append(envelope)

    def flush(self, timeout=0):
        return True

    def events(self, event_type=None):
        return [e["event"] for e in self.envelopes if event_type in (None, e["event"]["event_type"])]
