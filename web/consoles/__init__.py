"""The consoles: sign-in, users, the hotline agent console and the admin console."""
