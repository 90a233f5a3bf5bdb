"""District uploads: the tolerant spreadsheet reader, the checks, the all-or-nothing
commit and rollback, templates and annotated error workbooks.
"""
