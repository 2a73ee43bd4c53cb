"""The Block Storage API microversion range: the one place it is stated.

Each microversion added raises :data:`MAX_API_VERSION` and gets a line below, as
Cinder's ``rest_api_version_history`` does.

History:

* 3.0 - the v3 API with microversions (the version with no header).
"""

from common.wsgi.microversion import VersionInfo

MIN_API_VERSION = "3.0"
MAX_API_VERSION = "3.0"

# When the version list changed last (shown as "updated" in version documents).
UPDATED = "2016-02-08T12:20:21Z"

VERSION_INFO = VersionInfo(
    service_type="volume",
    min_version=MIN_API_VERSION,
    max_version=MAX_API_VERSION,
)
