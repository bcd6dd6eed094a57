"""``nova-cca status``: placeholder replaced below."""
