from common.errors import StageError
from common.progress import failed_event, failure_reason


def test_our_errors_read_as_written_on_one_line() -> None:
    assert failure_reason(StageError("the clip\nis corrupt")) == "the clip is corrupt"


def test_unexpected_errors_are_named_not_dumped() -> None:
    # Given an error from a library, with a multi-line message
    error = ValueError("bad value\n  at line 3\n  in frame 7")

    # When it becomes a job's failure reason
    reason = failure_reason(error)

    # Then it is one line that names the error's kind
    assert reason == "internal error (ValueError: bad value at line 3 in frame 7)"
    assert failure_reason(KeyError()) == "internal error (KeyError)"


def test_a_long_reason_is_cut_to_a_readable_length() -> None:
    event = failed_event("job", "render", StageError("x" * 1000))
    assert event.error is not None and len(event.error.reason) == 300
    assert event.message.startswith("Failed at render: xxx") and event.message.endswith("...")
