"""Newsdesk's faces: the Gradio web chat (``ui.app``, needs ``newsdesk[ui]``) and the
``newsdesk`` command (``ui.cli``)."""
