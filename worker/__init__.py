"""The family-channel worker: delivers the outbox and takes families' messages in, apart from
the dashboard (``hamrah worker``). Network I/O lives here, never in ``domain/`` or pages."""
