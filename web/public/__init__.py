"""The public face: what the chat widget calls (chat gateway, feedback, handoff requests)."""
