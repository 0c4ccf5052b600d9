from common.settings import Settings


class QueriesSettings(Settings):
    # Background footage changes about this often (seconds); segments end at caption breaks.
    segment_seconds: float = 4.0
