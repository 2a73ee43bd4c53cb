"""The Compute API microversion range: the one place it is stated.

Each microversion added to the API raises :data:`MAX_API_VERSION` and gets a line in
the history below, as Nova's ``rest_api_version_history`` does.

History:

* 2.1 - the v2.1 API with microversions (the version with no header).
"""

from common.wsgi.microversion import VersionInfo

MIN_API_VERSION = "2.1"
MAX_API_VERSION = "2.1"

LEGACY_HEADER = "X-OpenStack-Nova-API-Version"

VERSION_INFO = VersionInfo(
    service_type="compute",
    min_version=MIN_API_VERSION,
    max_version=MAX_API_VERSION,
    legacy_headers=(LEGACY_HEADER,),
)
