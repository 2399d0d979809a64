"""The Streamlit glue the pages call: cached reads (state), the access layer, sessions, downloads, plain text."""
from services import i18n as _i18n


def _session_language() -> str:
    import streamlit as st

    try:
        return st.session_state.get("lang", _i18n.DEFAULT_LANGUAGE)
    except Exception:  # outside a Streamlit run
        return _i18n.DEFAULT_LANGUAGE


_i18n.language_source = _session_language
