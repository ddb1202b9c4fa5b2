"""Reading and writing Hamrah's database: models, sessions, queries, importers, the audit log."""
