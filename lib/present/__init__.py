"""Presentation without Streamlit: maps (pydeck), charts (plotly), exports and the
interface texts in Chinese and English.
"""
