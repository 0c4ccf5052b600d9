"""How long to wait before connecting to the broker again."""


class Backoff:
    """Pauses that double from one second up to a cap, and start over after a success."""

    FIRST_DELAY = 1.0

    def __init__(self, max_delay: float) -> None:
        self._max_delay = max_delay
        self._delay = self.FIRST_DELAY

    def next_delay(self) -> float:
        """The pause before the next attempt; each call doubles the one after it."""
        delay = self._delay
        self._delay = min(delay * 2, self._max_delay)
        return delay

    def reset(self) -> None:
        self._delay = self.FIRST_DELAY
