"""What the two runtimes say to each other and to the widget: stdlib only.

The action server (Python 3.10, Rasa) and the web service (Python 3.11) both import this package, as
they both import `config`. Reply message types, the patterns both sides check, and the one timestamp
format live here, so a change to what the widget receives is made once.
"""
