"""Who may do what: roles and the permission table, accounts and sign-in, the
administrator's writes (programmes, targets, audit log, restore).
"""
