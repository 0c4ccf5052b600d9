import logging

from common.logs import KeyValueFormatter, job_context


def _record(message: str, exc: bool = False) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise ValueError("boom\nsecond line")
        except ValueError:
            import sys

            exc_info = sys.exc_info()
    return logging.LogRecord("svc.mod", logging.ERROR, __file__, 1, message, None, exc_info)


def test_a_line_names_its_service_job_and_stage() -> None:
    # Given a record logged while working on a job's render stage
    formatter = KeyValueFormatter("svc_render")
    with job_context("job-42", "render"):
        line = formatter.format(_record('frame "7" done'))

    # Then it is one line of key=value pairs, quoting what needs it
    assert "level=ERROR service=svc_render job_id=job-42 stage=render logger=svc.mod" in line
    assert line.endswith('msg="frame \\"7\\" done"')


def test_a_traceback_stays_on_the_same_line() -> None:
    # Given an error record with a traceback
    line = KeyValueFormatter("gateway").format(_record("failed", exc=True))

    # Then the traceback is in an escaped field and the event is still one line
    assert "\n" not in line
    assert 'exc="Traceback (most recent call last):\\n' in line
    assert "ValueError: boom\\nsecond line" in line
    assert "job_id=- stage=-" in line
