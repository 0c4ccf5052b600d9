from common.entrypoint import serve_stage
from svc_footage.settings import FootageSettings
from svc_footage.stage import FootageStage


def main() -> None:
    serve_stage("svc_footage", FootageSettings, FootageStage)


if __name__ == "__main__":
    main()
