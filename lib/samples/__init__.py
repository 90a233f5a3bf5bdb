"""Data made by code: the demonstration programmes and synthetic national data.
"""
