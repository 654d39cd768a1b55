"""Rasa custom actions (rasa-sdk 3.6, Python 3.10). Thin: they call the web service's knowledge API."""
