"""The queries stage: footage search terms for each few seconds of the narration."""

import logging

from common.artifacts import JobPaths
from common.documents import Captions, Queries, QuerySegment, load_document, save_document
from common.errors import ProviderUnavailable
from common.filmable import visual_norms
from common.messages import QueryProvider, StageMessage
from common.stage import REUSED, ReportProgress, StageResult, input_artifact
from common.stages import StageName
from svc_queries.keywords import keyword_terms
from svc_queries.llm import ChatTermWriter
from svc_queries.segments import Span, narration_spans
from svc_queries.settings import QueriesSettings

logger = logging.getLogger(__name__)

KEYWORDS: QueryProvider = "keywords"


def build_queries(spans: list[Span], terms: list[list[str]]) -> Queries:
    return Queries(
        segments=[
            QuerySegment(start=span.start, end=span.end, text=span.text, terms=span_terms)
            for span, span_terms in zip(spans, terms, strict=True)
        ]
    )


class QueriesStage:
    name: StageName = "queries"

    def __init__(self, settings: QueriesSettings) -> None:
        self.segment_seconds = settings.segment_seconds
        self.default_provider = settings.query_provider
        # The keyword extractor's word norms, read at start: a missing package stops the
        # service here rather than failing a job (keywords are every provider's fallback).
        visual_norms()
        self.chat: ChatTermWriter | None = None
        if settings.llm_base_url and settings.llm_model:
            api_key = settings.llm_api_key
            self.chat = ChatTermWriter(
                base_url=settings.llm_base_url,
                model=settings.llm_model,
                api_key=api_key.get_secret_value() if api_key else None,
                timeout_seconds=settings.llm_timeout_seconds,
            )

    def run(self, job: StageMessage, paths: JobPaths, report: ReportProgress) -> StageResult:
        artifacts = {"queries": paths.relative(paths.queries)}
        if paths.queries.exists():
            return StageResult(artifacts, REUSED)
        captions = load_document(Captions, input_artifact(job, paths, "captions"))
        spans = narration_spans(captions, job.text, self.segment_seconds, job.options.language)
        terms, provider = self._terms(job, [span.text for span in spans])
        save_document(build_queries(spans, terms), paths.queries)
        report(f"({len(spans)} segments)")
        return StageResult(artifacts, provider)

    def _terms(self, job: StageMessage, texts: list[str]) -> tuple[list[list[str]], str]:
        """The terms of each text, and who wrote them: the chat model where the job wants it
        and it answers, the keyword extractor otherwise."""
        wanted = job.options.query_provider or self.default_provider
        if wanted == KEYWORDS:
            return keyword_terms(texts, job.text, job.options.language), KEYWORDS
        if self.chat is None:
            logger.warning(
                "the job asks for llm search terms but no chat model is configured "
                "(T2V_LLM_BASE_URL, T2V_LLM_MODEL); using keywords instead"
            )
            return keyword_terms(
                texts, job.text, job.options.language
            ), f"{KEYWORDS} (llm not configured)"
        try:
            return self.chat.terms(texts, job.options.language), self.chat.provider
        except ProviderUnavailable as exc:
            logger.warning("llm search terms failed (%s); using keywords instead", exc)
            return keyword_terms(
                texts, job.text, job.options.language
            ), f"{KEYWORDS} (llm failed: {exc})"
