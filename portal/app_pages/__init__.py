"""One file per screen; ``portal/streamlit_app.py`` routes to them with ``st.navigation``."""
