"""The libvirt virt driver (``compute_driver = libvirt.LibvirtDriver``).

Modules: ``config`` (domain XML only), ``host`` (the shared connection and the host's
resources), ``guest`` (one domain), ``imagebackend`` (base image cache and instance
disks), ``driver`` (the ComputeDriver). Needs libvirt-python (the ``libvirt`` extra).
"""

from compute.virt.libvirt.driver import LibvirtDriver

__all__ = ["LibvirtDriver"]
