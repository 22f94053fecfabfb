"""Use cases of the portal, one service per step of the procedure (and the screens' needs).

Pages build one :class:`~portal.bootstrap.Portal` with
:func:`~portal.bootstrap.build_portal` and call its services; every method is
keyword-only, every result a frozen dataclass, every expected failure a typed result or a
:class:`~portal.services.errors.PortalError` with ``user_message``. No Streamlit here.
"""
