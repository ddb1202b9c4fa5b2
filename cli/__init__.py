"""The ``hamrah`` command: schema, demo data, clinics, users, audit (and later imports, exports)."""
