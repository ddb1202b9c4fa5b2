"""The content library's table, module form and preview.

The form returns the text fields that ``domain.content_rules.check_module`` reads, so the page,
the CSV import and the command check a module the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd
import streamlit as st

from data_access.content import ModuleRow, Reach
from domain.content_rules import LANGUAGES, MEDIA_EXTENSIONS
from domain.content_tags import ALLOWED, ANY, DoseBand
from domain.digits import to_ascii_digits
from domain.text import t
from domain.vocabulary import ContentKind, values

LIBRARY_COLUMNS = ["id", "code", "title", "kind", "language", "topics", "minutes", "retired",
                   "assigned", "completed", "completion"]
_LIST_TAGS = ("relations", "sexes", "medications", "phases", "living_situations", "topics")


def library_frame(modules: Sequence[ModuleRow], reach: Mapping[int, Reach]) -> pd.DataFrame:
    rows = []
    for module in modules:
        counts = reach.get(module.id, Reach(0, 0))
        rows.append({
            "id": module.id, "code": module.code, "title": module.title,
            "kind": module.kind.value, "language": module.language,
            "topics": ", ".join(module.tags.topics),
            "minutes": None if module.duration_seconds is None
            else round(module.duration_seconds / 60, 1),
            "retired": module.retired, "assigned": counts.assigned,
            "completed": counts.completed, "completion": counts.completion_rate,
        })
    return pd.DataFrame(rows, columns=LIBRARY_COLUMNS)


def library_column_config() -> dict[str, object]:
    return {
        "code": st.column_config.TextColumn(t("Code")),
        "title": st.column_config.TextColumn(t("Title"), width="large"),
        "kind": st.column_config.TextColumn(t("Kind")),
        "language": st.column_config.TextColumn(t("Language")),
        "topics": st.column_config.TextColumn(t("Topics")),
        "minutes": st.column_config.NumberColumn(t("Minutes")),
        "retired": st.column_config.CheckboxColumn(t("Retired")),
        "assigned": st.column_config.NumberColumn(t("Assigned")),
        "completed": st.column_config.NumberColumn(t("Completed")),
        "completion": st.column_config.ProgressColumn(t("Completion rate"), min_value=0.0,
                                                      max_value=1.0, format="percent"),
    }


def _tag_choice(label: str, name: str, initial: Sequence[str], key: str) -> str:
    allowed = ALLOWED[name] or ()
    chosen = st.multiselect(label, list(allowed), default=[v for v in initial if v in allowed],
                            key=f"{key}_{name}",
                            placeholder=t("none chosen") if name == "topics" else t("any"))
    return ";".join(chosen)


def module_form(key: str, initial: ModuleRow | None,
                max_mb: float) -> tuple[dict[str, str], tuple[str, bytes] | None] | None:
    """Draw the add/edit form; on submit return its fields and the uploaded file, if any."""
    tags = initial.tags if initial else None
    with st.form(key, clear_on_submit=False):
        left, right = st.columns(2)
        code = left.text_input(t("Code"), value=initial.code if initial else "",
                               disabled=initial is not None, key=f"{key}_code",
                               help=t("3 to 64 lower-case letters, digits, - or _"))
        title = right.text_input(t("Title"), value=initial.title if initial else "",
                                 key=f"{key}_title")
        summary = st.text_area(t("Summary"), value=initial.summary if initial else "",
                               key=f"{key}_summary")
        kind_column, language_column, duration_column = st.columns(3)
        kinds = values(ContentKind)
        kind = kind_column.selectbox(t("Kind"), kinds, key=f"{key}_kind",
                                     index=kinds.index(initial.kind.value) if initial else 0)
        language = language_column.selectbox(
            t("Language"), list(LANGUAGES), key=f"{key}_language",
            index=list(LANGUAGES).index(initial.language) if initial else 0)
        duration = duration_column.text_input(
            t("Duration (seconds)"), key=f"{key}_duration",
            value="" if not initial or initial.duration_seconds is None
            else str(initial.duration_seconds))
        url = st.text_input(t("Media URL (or upload a file below)"), key=f"{key}_url",
                            value=initial.location if initial and not initial.has_file else "")
        extensions = sorted({e for exts in MEDIA_EXTENSIONS.values() for e in exts})
        upload = st.file_uploader(
            t("Upload audio, video or text (up to {mb:g} MB)", mb=max_mb), type=extensions,
            key=f"{key}_upload",
            help=t("audio: mp3 m4a ogg wav · video: mp4 webm · text: md txt pdf"))
        st.markdown(t("**Who it is for** (leave empty for anyone)"))
        first, second = st.columns(2)
        relations = _tag_choice(t("Relations"), "relations",
                                tags.relations if tags else (), key)
        with first:
            sexes = _tag_choice(t("Patient sex"), "sexes", tags.sexes if tags else (), key)
            medications = _tag_choice(t("Medications"), "medications",
                                      tags.medications if tags else (), key)
            bands = [ANY, *values(DoseBand)]
            band = st.selectbox(t("Dose band"), bands, key=f"{key}_dose_band",
                                index=bands.index(tags.dose_band) if tags else 0)
        with second:
            phases = _tag_choice(t("Phases"), "phases", tags.phases if tags else (), key)
            living = _tag_choice(t("Living situations"), "living_situations",
                                 tags.living_situations if tags else (), key)
            substances = st.text_input(
                t("Substances (separated by ;)"), key=f"{key}_substances",
                value="" if not tags or tags.substances == (ANY,) else ";".join(tags.substances))
        topics = _tag_choice(t("Topics"), "topics", tags.topics if tags else (), key)
        submitted = st.form_submit_button(t("Save module") if initial else t("Add module"),
                                          type="primary")
    if not submitted:
        return None
    fields: dict[str, str] = {
        "code": to_ascii_digits(code or ""), "title": title or "", "summary": summary or "",
        "kind": kind or "", "language": language or "", "location": url or "",
        "duration_seconds": duration or "", "relations": relations, "sexes": sexes,
        "substances": substances or "", "medications": medications, "dose_band": band or ANY,
        "phases": phases, "living_situations": living, "topics": topics,
    }
    media = (upload.name, upload.getvalue()) if upload is not None else None
    return fields, media


def preview(module: ModuleRow, file: Path | None) -> None:
    """Play or show the module as a family member would get it."""
    source: str | None = str(file) if file is not None else module.location
    if module.summary:
        st.markdown(module.summary)
    if source is None:
        st.info(t("No media yet: upload a file or give a URL."))
    elif module.kind is ContentKind.AUDIO:
        st.audio(source, format=_served_type(module, file, "audio/wav"))
    elif module.kind is ContentKind.VIDEO:
        st.video(source, format=_served_type(module, file, "video/mp4"))
    elif module.kind is ContentKind.TEXT and file is not None and file.suffix in (".md", ".txt"):
        st.markdown(file.read_text(encoding="utf-8", errors="replace"))
    elif file is not None:
        st.download_button(t("Download {name}", name=file.name), file.read_bytes(),
                           file_name=file.name, mime=module.media_type,
                           key=f"preview_download_{module.id}")
    else:
        st.link_button(t("Open {url}", url=module.location or ""), module.location or "")


def _served_type(module: ModuleRow, file: Path | None, default: str) -> str:
    """The type Streamlit serves a stored file with: the module's own (an .mp3 is not a .wav);
    a web address is played from where it is, so the type does not matter there."""
    return module.media_type if file is not None and module.media_type else default
