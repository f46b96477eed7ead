"""ui: what a person reads: columns, time formatting, colour, the man page and
the one sanitiser for text someone else wrote.

Import rule: ui imports nothing of gitsess but itself.
"""
