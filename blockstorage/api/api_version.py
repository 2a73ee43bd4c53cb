"""The Block Storage API microversion range: the one place it is stated.

Novella serves 3.0 to 3.27.  Each step is listed as Cinder's history has it; where the
step changes a resource Novella serves, the change is implemented (marked *); the other
steps add resources Novella does not serve (groups, backups, clusters, manageable
volumes ...), which answer 404 at every version.

History:

* 3.0 - the v3 API with microversions (the version with no header).
* 3.1 - * ``visibility`` and ``protected`` of ``os-volume_upload_image``.
* 3.2 - * ``bootable`` filter of the volume list takes only true/false (else 400).
* 3.3 - * the messages API (``/messages``).
* 3.4 - * ``glance_metadata`` filter of the volume list.
* 3.5 - pagination of messages.
* 3.6 - empty names of consistency groups (not served).
* 3.7 - * ``cluster`` in the services list (clusters API not served).
* 3.8 - manageable volumes/snapshots (not served).
* 3.9 - backup update (not served).
* 3.10 - * ``group_id`` filter of the volume list.
* 3.11 - group types (not served).
* 3.12 - * ``/volumes/summary``.
* 3.13 - * ``group_id`` in volume details (groups not served).
* 3.14 - * ``group_snapshot_id`` in snapshots (group snapshots not served).
* 3.15 - * ``ETag`` of volume metadata; ``If-Match`` on replacing it (412).
* 3.16 - migrate to a cluster (not served).
* 3.17 - cluster in manageable lists (not served).
* 3.18 - backup project attribute (not served).
* 3.19, 3.20 - group snapshot and group reset-status (not served).
* 3.21 - * ``provider_id`` in volume details (admins).
* 3.22 - * ``metadata`` filter of the snapshot list.
* 3.23 - * ``force`` on volume delete (admins).
* 3.24 - workers cleanup (not served).
* 3.25 - volumes field of groups (not served).
* 3.26 - replication failover of clusters (not served).
* 3.27 - * the attachments API (``/attachments``).
"""

from common.wsgi.microversion import APIVersionRequest, VersionInfo

MIN_API_VERSION = "3.0"
MAX_API_VERSION = "3.27"

# When the version list changed last (shown as "updated" in version documents).
UPDATED = "2017-02-25T12:00:00Z"

VERSION_INFO = VersionInfo(
    service_type="volume",
    min_version=MIN_API_VERSION,
    max_version=MAX_API_VERSION,
)

# The steps the code tests for, by name.
UPLOAD_IMAGE_PARAMS = "3.1"
VOLUME_LIST_BOOTABLE = "3.2"
MESSAGES = "3.3"
VOLUME_LIST_GLANCE_METADATA = "3.4"
CLUSTER_SUPPORT = "3.7"
VOLUME_LIST_GROUP = "3.10"
VOLUME_SUMMARY = "3.12"
GROUP_VOLUME = "3.13"
GROUP_SNAPSHOTS = "3.14"
VOLUME_DETAIL_PROVIDER_ID = "3.21"
SNAPSHOT_LIST_METADATA_FILTER = "3.22"
VOLUME_DELETE_FORCE = "3.23"
NEW_ATTACH = "3.27"


def at_least(req: object, version: str) -> bool:
    """Whether the request was made at ``version`` or later."""
    requested = getattr(req, "api_version_request", None)
    return bool(requested) and requested.matches(APIVersionRequest(version), None)
