from common.artifacts import JobPaths
from common.documents import Captions, Queries, QuerySegment, load_document, save_document
from common.messages import StageMessage
from common.stage import REUSED, ReportProgress, StageResult, input_artifact
from svc_queries.keywords import main_subject, search_terms
from svc_queries.segments import segment_bounds, split_segments
from svc_queries.settings import QueriesSettings


def build_queries(captions: Captions, story: str, segment_seconds: float) -> Queries:
    groups = split_segments(captions, segment_seconds)
    if not groups:
        return Queries(
            segments=[
                QuerySegment(
                    start=0.0, end=captions.duration, text=story, terms=[main_subject(story)]
                )
            ]
        )
    fallback = main_subject(story)
    segments = []
    for segment, (start, end) in zip(
        groups, segment_bounds(groups, captions.duration), strict=True
    ):
        text = " ".join(group.text for group in segment)
        terms = search_terms(text) or [fallback]
        segments.append(QuerySegment(start=start, end=end, text=text, terms=terms))
    return Queries(segments=segments)


class QueriesStage:
    name = "queries"

    def __init__(self, settings: QueriesSettings) -> None:
        self.segment_seconds = settings.segment_seconds

    def run(self, job: StageMessage, paths: JobPaths, report: ReportProgress) -> StageResult:
        artifacts = {"queries": paths.relative(paths.queries)}
        if paths.queries.exists():
            return StageResult(artifacts, REUSED)
        captions = load_document(Captions, input_artifact(job, paths, "captions"))
        queries = build_queries(captions, job.text, self.segment_seconds)
        save_document(queries, paths.queries)
        report(f"({len(queries.segments)} segments)")
        return StageResult(artifacts, "keywords")
