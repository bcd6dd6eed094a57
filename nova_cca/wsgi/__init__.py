"""Activated WSGI applications: use these instead of ``nova.wsgi.*``."""
