"""Newsdesk's Gradio web chat. ``from ui.app import build_app, launch`` (needs ``newsdesk[ui]``)."""
