"""Cinder's versioned objects. Importing this package registers them all."""

from blockstorage.objects.service import Service, ServiceList

__all__ = ["Service", "ServiceList"]
