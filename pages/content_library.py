"""Content library: the audio, video and text modules families receive, their tailoring tags,
a preview, and how far each one reached.

A module with assignments belongs to families' records: it can be retired, never deleted.
"""

from __future__ import annotations

import streamlit as st

from components.auth import require_page
from components.content_views import library_column_config, library_frame, module_form, preview
from components.picker import selectable_table, synced_pick
from components.resources import app_settings, current_database
from components.state import set_notice, take_notice
from data_access.content import (
    ContentError,
    add_module,
    assignment_count,
    delete_module,
    list_modules,
    media_path,
    module_reach,
    retire_module,
    update_module,
)
from domain.content_rules import LANGUAGES, FieldProblem, check_module, media_limit_bytes
from domain.content_tags import TOPICS
from domain.digits import to_ascii_digits
from domain.text import t
from domain.vocabulary import ContentKind, values

user = require_page("content_library")
settings = app_settings()
max_bytes = media_limit_bytes(settings.max_media_mb)
st.title(t("Content library"))
notice = take_notice()
if notice:
    st.success(notice)

SECTIONS = {"library": t("Library"), "add": t("Add a module")}
section = st.radio(t("Show"), list(SECTIONS), format_func=lambda k: SECTIONS[k],
                   horizontal=True, key="library_section", label_visibility="collapsed")


def save(fields: dict[str, str], media: tuple[str, bytes] | None,
         module_id: int | None) -> None:
    """Check the form like the CSV import does; write nothing unless every field is right."""
    draft = check_module(fields)
    if isinstance(draft, list):
        for problem in draft:
            st.error(str(problem) if isinstance(problem, FieldProblem) else problem)
        return
    try:
        with current_database().sessions() as session, session.begin():
            if module_id is None:
                add_module(session, draft, actor=user.username, media=media,
                           media_dir=settings.media_dir, max_bytes=max_bytes)
            else:
                update_module(session, module_id, draft, actor=user.username, media=media,
                              media_dir=settings.media_dir, max_bytes=max_bytes)
    except ContentError as error:
        st.error(str(error))
        return
    set_notice(t("Module {code} saved.", code=draft.code))
    st.rerun()


if section == "add":
    submitted = module_form("module_add", None, settings.max_media_mb)
    if submitted is not None:
        save(*submitted, module_id=None)
    st.stop()

search_column, kind_column, language_column, topic_column = st.columns([2, 1, 1, 2])
search = to_ascii_digits(search_column.text_input(t("Search code, title or summary"),
                                                  key="library_search"))
kinds = kind_column.multiselect(t("Kind"), values(ContentKind), key="library_kinds")
languages = language_column.multiselect(t("Language"), list(LANGUAGES), key="library_languages")
topics = topic_column.multiselect(t("Topic"), list(TOPICS), key="library_topics")
include_retired = st.toggle(t("Show retired modules"), key="library_retired")
with current_database().sessions() as session:
    modules = list_modules(session, search=search, kinds=kinds, languages=languages,
                           topics=topics, include_retired=include_retired)
    reach = module_reach(session)
st.caption(t("{n} module(s)", n=len(modules)))
picked = selectable_table(library_frame(modules, reach), key="library_table",
                          column_config=library_column_config())
choices = {m.id: f"{m.code} · {m.title}" for m in modules}
chosen = synced_pick(t("Module"), choices, picked, key="library_pick")
module = next((m for m in modules if m.id == chosen), None)
if module is None:
    st.info(t("Select a module to preview, edit or retire it."))
    st.stop()

st.subheader(module.title)
st.caption(t("{kind} · {language} · code {code}", kind=module.kind.value,
             language=module.language, code=module.code)
           + (" · " + t("retired") if module.retired else ""))
try:
    file = media_path(settings.media_dir, module.location)
except ContentError as error:
    st.error(str(error))
    file = None
if file is not None and not file.is_file():
    st.warning(t("The media file {name} is missing from the media folder.", name=file.name))
    file = None
preview(module, file)

with st.expander(t("Edit")):
    edited = module_form(f"module_edit_{module.id}", module, settings.max_media_mb)
    if edited is not None:
        save(*edited, module_id=module.id)

with current_database().sessions() as session:
    used = assignment_count(session, module.id)
if not module.retired:
    retire_column, delete_column = st.columns(2)
    if retire_column.button(t("Retire (keep for the records, stop recommending)"),
                            key="library_retire"):
        with current_database().sessions() as session, session.begin():
            retire_module(session, module.id, actor=user.username)
        set_notice(t("Module {code} retired.", code=module.code))
        st.rerun()
    if used == 0 and delete_column.button(t("Delete (never assigned)"), key="library_delete"):
        try:
            with current_database().sessions() as session, session.begin():
                delete_module(session, module.id, actor=user.username,
                              media_dir=settings.media_dir)
        except ContentError as error:
            st.error(str(error))
        else:
            set_notice(t("Module {code} deleted.", code=module.code))
            st.session_state.pop("library_pick", None)
            st.rerun()
if used:
    st.caption(t("Assigned {n} time(s): it can be retired, not deleted.", n=used))
