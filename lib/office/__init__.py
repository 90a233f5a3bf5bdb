"""What offices exchange, without the store: numbers in official units (fmt), formula-safe
spreadsheets (sheets) and official Word documents (docx). Imports only lib.domain.
"""
