"""Every figure: the as-of rule, county rollups, metrics, trends, rankings, content and
funding, forecast, reporting discipline. Reads take the viewer (an Actor).
"""
