"""Image service clients: the ``local`` store and a Glance v2 client (see ``api``)."""
