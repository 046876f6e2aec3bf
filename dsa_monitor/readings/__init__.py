"""What people and systems read, computed once under every door.

The API, the web pages, the command line and the e-mails parse, check permissions and render;
what they show (a study at a glance, a recipient's pending state, which visit a serum counts as,
which alerts are open) is read here, from the store and the evaluations, so that every door
says the same thing.
"""
