"""A small nova-cca cloud on this machine, as separate processes.

``tools/deploy start|check|stop`` (docs/deployment.md): Placement and the
compute API under uWSGI, conductor and scheduler, simulated CCA and plain
computes as processes of their own, and a compute on the real libvirtd
where one runs; MariaDB and RabbitMQ already running on the machine. This
is tooling around the product, not part of what an operator installs.
"""
