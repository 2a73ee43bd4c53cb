"""Nova's versioned objects. Importing this package registers them all."""

from compute.objects.service import Service, ServiceList

__all__ = ["Service", "ServiceList"]
