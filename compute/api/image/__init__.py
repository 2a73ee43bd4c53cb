"""The Image service API (Glance v2) over Nova's image service, served by nova-api.

Clients such as python-openstackclient and openstacksdk resolve ``--image NAME``
through the Image service API, not through the Compute API's deprecated ``/images``
proxy.  A deployment without Glance (``[image] backend = local``) therefore needs
an image endpoint of its own: this package answers Glance v2's wire format
(``/image/versions``, ``/image/v2/images``, ``/image/v2/schemas/image``, ...) over
:func:`compute.image.api.get_image_service`, mounted in nova-api's paste file next
to ``/v2.1`` so one port serves both.

Modules: ``versions`` (the unauthenticated version documents), ``router`` (the
routes and the app at the end of the authenticated pipeline), ``images`` and
``image_data`` (the controllers), ``listing`` (Glance's list filters, sorting and
pages), ``patch`` (JSON-patch updates), ``validation``, ``views``, ``schemas``,
``faults`` (Glance's error bodies).
"""
