"""The vocabulary of the programme: stages, metrics, content items, funding sources, the
construction season and reporting calendar, the clock, China's divisions, settings and errors.
Imports nothing else of lib.
"""
