"""``st.file_uploader`` in the session's language: Streamlit draws its own English button
("Upload") and size line ("200MB per file • CSV"); these are replaced by the portal's words."""

from __future__ import annotations

import json

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from portal.ui.i18n import _, number
from portal.ui.markup import literal

#: Streamlit's default upload limit (``server.maxUploadSize``, MB).
_MAX_MB = 200


def file_uploader(label: str, *, key: str, types: list[str], disabled: bool) -> UploadedFile | None:
    """One file of ``types``, with the button and the limits in the session's language."""
    scope = f".st-key-{key.replace('.', '-')}"
    button = json.dumps(_("Choose a file"))
    st.html(
        "<style>"
        f'{scope} [data-testid="stFileUploaderDropzoneInstructions"] {{display: none;}}'
        f'{scope} [data-testid="stFileUploaderDropzone"] button p {{font-size: 0;}}'
        f'{scope} [data-testid="stFileUploaderDropzone"] button p::after '
        f"{{content: {button}; font-size: 0.875rem;}}"
        "</style>"
    )
    upload = st.file_uploader(label, type=types, key=key, disabled=disabled)
    st.caption(
        _("Up to {size} MB per file · {types}").format(
            size=number(_MAX_MB), types=literal(", ".join(t.upper() for t in types))
        )
    )
    return upload if isinstance(upload, UploadedFile) else None
