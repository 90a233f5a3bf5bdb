"""District uploads, in the order a file travels:

files (format, sheets as raw cells) -> values (one cell's number, date, yes/no) ->
headers (which column is which field, the kind of sheet) -> reader (`read_workbook`:
rows of canonical fields, issues naming sheet, row and column) -> checks (every row
against the store) -> ingest (`check`, `commit`, `rollback`: all or nothing);
templates (fill-in workbooks out, annotated error workbooks back). The fields are
lib.domain.fields.
"""
