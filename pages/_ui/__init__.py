"""The Streamlit glue between the screens (pages/*.py) and lib, one module per job.

    store     settings, the store (opened once), cached calls into lib keyed on the data version
    session   who is signed in: password and OIDC sign-in, sign-out, expiry
    access    the screens in one table: navigation (page_list) and access (may_see) derive from it
    entry     every screen runs through app.py, even as a fresh server's first request
    widgets   downloads, charts with a PNG, page headers, the demo banner, user errors, projector CSS
    filters   the shared sidebar filters bound to the URL; the first call of every screen

Imports run one way: store <- session <- access; store <- widgets; filters uses all but access.
Streamlit's public API only: nothing here imports streamlit.runtime.
"""
