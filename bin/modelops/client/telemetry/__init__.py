"""The container-side client: events to HEC through a durable spool, DSDL wrappers, callbacks."""
