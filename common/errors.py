"""One error tree for the whole project; entrypoints translate it at their boundary."""


class T2VError(Exception):
    """Base of every error the project raises on purpose."""


class InvalidMessage(T2VError):
    """A broker message that is not valid JSON or does not match its schema."""


class StageError(T2VError):
    """A stage could not produce its artifact from the inputs it was given.

    The message is shown to users as the job's failure reason, so it must be one
    readable line.
    """


class TransientError(T2VError):
    """A failure that may well not happen again: worth retrying after a pause."""


class MissingArtifact(StageError):
    """An artifact an earlier stage should have written is not on the shared volume."""


class ModelUnavailable(StageError):
    """A model could not be loaded from disk (and is never downloaded at run time)."""


class BrokerUnavailable(T2VError):
    """The message broker cannot be reached."""
