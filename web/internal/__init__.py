"""Endpoints the action server calls with the internal token: search, tickets, unanswered questions."""
