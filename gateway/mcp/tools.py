"""The tools, written once for both doors: each answers what its HTTP route answers.

The views are the routes' own handlers, called with the pieces a door provides, so a job
reads the same through ``/mcp``, ``t2v mcp`` and ``/api/v1``.
"""

import inspect
from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations
from pydantic import Field, WithJsonSchema

from common.documents import VoiceCatalog
from common.messages import JobOptions
from gateway.generate_request import check_topic_document
from gateway.mcp.service import WhoCalls, api_errors, check_may_add_job, read_job_request
from gateway.retention import Retention
from gateway.routes import jobs, voices
from gateway.schemas import GenerateAccepted, JobDetail, JobList
from gateway.store import StoryTopic

INSTRUCTIONS = """\
Text to narrated video. create_video queues a video for a story (or for a topic, whose \
story the service's chat model writes) and answers its job id; \
the video takes from seconds to minutes. Poll get_job with that id, every few seconds, until \
its status is "completed" or "failed" (message says why). A completed job's output_file is \
the video's path in the service's data directory; the gateway also serves it at \
GET /api/v1/download/<job_id>. list_voices gives the voice ids options.voice accepts."""

JOB_NOT_FOUND_MESSAGE = "Job not found"
_READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)
_QUEUES_WORK = ToolAnnotations(
    read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=False
)
# As GET /jobs bounds its cursor: job ids are 36 characters.
_CURSOR_MAX_LENGTH = 64


def _inlined(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with its ``$defs`` written in place, so it can stand inside another one."""
    definitions = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            reference = node.get("$ref", "")
            if reference.startswith("#/$defs/"):
                return inline(definitions[reference.removeprefix("#/$defs/")])
            return {key: inline(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(item) for item in node]
        return node

    inlined: dict[str, Any] = inline(schema)
    return inlined


# The options are described to agents as the API's contract states them, but read by the
# API's own reader (see gateway.mcp.service), so a wrong one is refused in the API's words.
_OPTIONS_SCHEMA = {
    **_inlined(JobOptions.model_json_schema()),
    "description": (
        "Optional; every field has a default. width and height follow from orientation "
        "(portrait 1080x1920, landscape 1920x1080, square 1080x1080) unless given."
    ),
}
Options = Annotated[Any, WithJsonSchema(_OPTIONS_SCHEMA)]


def build_server(who_calls: WhoCalls, max_text_chars: int) -> MCPServer:
    """The tools, for calls that ``who_calls`` says whom they come from and what serves them."""
    server: MCPServer = MCPServer("t2v", instructions=INSTRUCTIONS)

    async def create_video(
        ctx: Context,
        text: Annotated[
            str | None,
            Field(
                description=f"The story to narrate, at most {max_text_chars} characters; "
                "the video runs as long as its narration"
            ),
        ] = None,
        options: Options = None,
        topic: Annotated[
            str | None,
            Field(
                description="Instead of text: what the story is about (at most 1000 "
                "characters), for the service's chat model to write; options.language is "
                "the language it is written in"
            ),
        ] = None,
        target_seconds: Annotated[
            float | None,
            Field(description="With topic: about how long the narration runs (default 60)"),
        ] = None,
        tone: Annotated[
            str | None, Field(description='With topic: a few words, e.g. "calm"')
        ] = None,
    ) -> GenerateAccepted:
        """Queue a narrated video of a story, or of a topic, as POST /api/v1/generate does.

        Answers the job's id at once; the video is made in the background (a topic's story
        is written first). Follow the job with get_job.
        """
        call = who_calls(ctx)
        check_may_add_job(call)
        intake = call.service.intake
        if topic is not None and text is None:
            document = {
                "topic": topic,
                "target_seconds": target_seconds,
                "tone": tone,
                "options": options,
            }
            with api_errors():
                asked = check_topic_document(document, call.service.settings)
                story = StoryTopic.model_validate(asked.model_dump(exclude={"options"}))
                job = await intake.accept_topic(story, asked.options, call.caller)
            return GenerateAccepted(job_id=job.job_id)
        job_request = read_job_request(text or "", options, call.service.settings)
        with api_errors():
            job = await intake.accept(job_request.text, job_request.options, call.caller)
        return GenerateAccepted(job_id=job.job_id)

    def get_job(
        job_id: Annotated[str, Field(description="The id create_video or list_jobs gave")],
        ctx: Context,
    ) -> JobDetail:
        """A job's status, progress and message, and the stages that have finished.

        As GET /api/v1/jobs/<job_id>: status is queued, processing, completed or failed;
        output_file (relative to the data directory) is present once the video exists.
        """
        call = who_calls(ctx)
        store, settings = call.service.store, call.service.settings
        job = store.get(job_id)
        # Another key's job is not found either: the answer must not tell that it exists.
        if job is None or not call.caller.may_see(job.owner):
            raise ToolError(JOB_NOT_FOUND_MESSAGE)
        return jobs.job_detail(job, store, settings, Retention.of(settings))

    def list_jobs(
        ctx: Context,
        limit: Annotated[
            int | None,
            Field(ge=1, description="Jobs per page; the default and maximum are settings"),
        ] = None,
        cursor: Annotated[
            str | None,
            Field(
                max_length=_CURSOR_MAX_LENGTH,
                description="next_cursor of the previous page, for the page after it",
            ),
        ] = None,
    ) -> JobList:
        """The jobs this caller may see, newest first, a page at a time, as GET /api/v1/jobs.

        next_cursor is present while more jobs follow.
        """
        call = who_calls(ctx)
        service = call.service
        with api_errors():
            return jobs.list_jobs(
                service.store,
                service.settings,
                Retention.of(service.settings),
                call.caller,
                limit,
                cursor,
            )

    def list_voices(ctx: Context) -> VoiceCatalog:
        """The voice ids create_video's options.voice accepts, and the default one."""
        with api_errors():
            return voices.list_voices(who_calls(ctx).service.settings)

    for tool, annotations in (
        (create_video, _QUEUES_WORK),
        (get_job, _READ_ONLY),
        (list_jobs, _READ_ONLY),
        (list_voices, _READ_ONLY),
    ):
        # The docstring, without the indentation of the code it sits in, is the description.
        server.add_tool(tool, description=inspect.getdoc(tool), annotations=annotations)
    return server
