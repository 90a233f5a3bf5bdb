"""The store: engine and its one all-or-nothing write transaction, the tables, migrations,
backup and restore. Imports only lib.domain.
"""
