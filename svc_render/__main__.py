from common.entrypoint import serve_stage
from svc_render.settings import RenderSettings
from svc_render.stage import RenderStage


def main() -> None:
    serve_stage("svc_render", RenderSettings, RenderStage)


if __name__ == "__main__":
    main()
