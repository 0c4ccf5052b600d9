from common.entrypoint import serve_stage
from svc_render.settings import RenderSettings
from svc_render.stage import RenderStage


def main() -> None:
    # Shards go back on the render queue for any render worker: only a service can split.
    serve_stage(
        "svc_render",
        RenderSettings,
        lambda settings: RenderStage(settings, split_long_videos=True),
    )


if __name__ == "__main__":
    main()
