"""Nova: the compute service and its daemons."""

import common  # noqa: F401  (selects the runtime before anything else loads)
