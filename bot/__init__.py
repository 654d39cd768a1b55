"""Rasa project data (domain, NLU, rules, stories) and the launcher that starts the Rasa CLI."""
