"""Prompt files, installed as the package data folder ``assistant/prompt_files``."""
