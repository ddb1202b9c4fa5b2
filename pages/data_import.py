"""Import (admin): take a dispensing or lab export in, check every row, write all or nothing."""

from __future__ import annotations

import streamlit as st

from components.auth import require_page
from components.caches import clear_patient_caches
from components.import_views import preview, progress_reporter, validation_report
from components.resources import current_database
from data_access.clock import today
from data_access.importers import import_file
from domain.import_rules import ImportKind
from domain.text import t
from domain.vocabulary import values

user = require_page("data_import")
st.title(t("Import"))
st.caption(t("CSV, UTF-8, a header row, dates as YYYY-MM-DD. The formats are in "
             "docs/import-formats.md. A file is taken whole or not at all."))

kind = st.selectbox(t("What the file holds"), values(ImportKind), key="import_kind")
upload = st.file_uploader(t("CSV file"), type=["csv"], key="import_file")
if upload is None:
    st.stop()

preview(upload, key_prefix="import")
check_column, import_column = st.columns(2)
dry_run = check_column.button(t("Check only"), key="import_check")
write = import_column.button(t("Import"), key="import_run", type="primary")
if not (dry_run or write):
    st.stop()

bar = st.progress(0.0, text=t("Starting…"))
db = current_database()
try:
    with db.sessions() as session, session.begin():
        result = import_file(session, kind, upload, dry_run=dry_run, actor=user.username,
                             today=today(), progress=progress_reporter(bar), name=upload.name)
        if result.errors:
            session.rollback()
except ValueError as error:
    bar.empty()
    st.error(t("Nothing was written: {error}", error=str(error)))
    st.stop()
bar.empty()
validation_report(result.errors, result.unlisted_errors, result.warnings, key_prefix="import")
if not result.errors:
    summary = t("inserted {i}, updated {u}, unchanged {k}", i=result.inserted, u=result.updated,
                k=result.unchanged)
    if dry_run:
        st.info(t("The file is valid. It would give: {summary}. Nothing was written.",
                  summary=summary))
    else:
        clear_patient_caches()
        st.success(t("Imported: {summary}.", summary=summary))
