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


class MissingArtifact(StageError):
    """An artifact an earlier stage should have written is not on the shared volume."""


class ModelUnavailable(StageError):
    """A model could not be loaded from disk (and is never downloaded at run time)."""


class BrokerUnavailable(T2VError):
    """The message broker cannot be reached."""
