"""The render stage: the narration, its captions and its footage into the final MP4."""

from common.artifacts import JobPaths, atomic_path
from common.documents import Captions, FootageManifest, load_document
from common.messages import StageMessage
from common.stage import REUSED, ReportProgress, StageResult, input_artifact
from common.stages import StageName
from svc_render.background import FootageSpan
from svc_render.narration import read_narration
from svc_render.render import VideoFormat, render_video
from svc_render.settings import RenderSettings
from svc_render.soundtrack import AudioMix, soundtrack


class RenderStage:
    name: StageName = "render"

    def __init__(self, settings: RenderSettings) -> None:
        self.settings = settings

    def run(self, job: StageMessage, paths: JobPaths, report: ReportProgress) -> StageResult:
        artifacts = {"video": paths.relative(paths.video)}
        if paths.video.exists():
            return StageResult(artifacts, REUSED)
        mix = AudioMix(
            loudness_target=self.settings.loudness_target,
            music=job.options.music,
            music_dir=self.settings.music_dir,
            music_level=self.settings.music_level,
            track_key=job.job_id,
        )
        narration = soundtrack(read_narration(input_artifact(job, paths, "audio")), mix)
        captions = load_document(Captions, input_artifact(job, paths, "captions"))
        manifest = load_document(FootageManifest, input_artifact(job, paths, "footage"))
        footage = [
            FootageSpan(start=clip.start, end=clip.end, file=paths.resolve(clip.path))
            for clip in manifest.clips
        ]
        video_format = VideoFormat(
            width=job.options.width,
            height=job.options.height,
            fps=job.options.fps,
            preset=self.settings.render_preset,
            crf=self.settings.render_crf,
            caption_style=job.options.captions,
            font_path=self.settings.font_path,
        )
        # A cancel stops the render between frames; the partial file goes with the exception.
        with atomic_path(paths.video) as temporary:
            render_video(
                temporary,
                narration,
                captions.groups,
                footage,
                video_format,
                report,
                cancelled=paths.is_cancelled,
                poster=paths.thumbnail,
            )
        return StageResult(artifacts, f"libx264 {self.settings.render_preset}")
