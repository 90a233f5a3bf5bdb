"""Interface texts by area, merged by lib.present.i18n.
"""
