"""Small UI helpers the pages share: the services container, session keys, notices that never
show a traceback, the login, the OAuth callback, the sidebar and the shared action widgets.

Only this package and ``portal/app_pages/`` import Streamlit; neither does SQL, HTTP or pandas
work: they call ``portal.services`` and render its typed results.
"""
