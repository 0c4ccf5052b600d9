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
    """A stage's failure that may well not happen again: retry the stage later.

    The stage service shell puts the job on a delay queue and runs the stage again, up to
    its attempt limit. Raise it only where the whole stage is worth running again.
    """


class ProviderUnavailable(T2VError):
    """An external provider could not give what was asked; try the next provider.

    Beside :class:`TransientError` because a provider's failure (a chat model timing
    out, a footage search answering 503) is handled inside the stage, which falls back to
    another provider at once; retrying the stage would only ask the same provider again.
    """


class QuotaExceeded(T2VError):
    """A client has used up one of its quotas; it may try again after ``retry_after_seconds``."""

    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class MissingArtifact(StageError):
    """An artifact an earlier stage should have written is not on the shared volume."""


class UnsafeArtifactPath(StageError):
    """A message names an artifact outside its job's folder (absolute, ``..``, a link out).

    Permanent: the message itself is wrong, so running the stage again cannot help.
    """


class JobCancelled(T2VError):
    """The job was cancelled while its stage ran; the stage stopped and left nothing behind."""


class ModelUnavailable(StageError):
    """A model could not be loaded from disk (and is never downloaded at run time)."""


class BrokerUnavailable(T2VError):
    """The message broker cannot be reached."""


class TopologyMismatch(BrokerUnavailable):
    """The broker holds a queue declared with other arguments than this version declares.

    A kind of unavailability: the process cannot consume until an operator removes the old
    queue, and it keeps trying meanwhile, so it recovers once the fix is made.
    """


class StoreError(T2VError):
    """The job store failed a statement (a full disk, a broken file, a refused query)."""


class StoreUnavailable(StoreError):
    """The job store's database cannot be reached (PostgreSQL down, no free connection)."""
