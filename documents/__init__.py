"""Renders exports — PDF and Excel bytes — from plain data: no Streamlit, no SQL.

Pages (through ``components.export_buttons``) and the CLI gather the data with ``data_access``,
cut it to the reader's role with ``domain.redaction``, and call these modules for the bytes of a
file. Every export is a disclosure and is audited by the caller or the data function it uses.
"""
