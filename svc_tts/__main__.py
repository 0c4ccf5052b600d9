from common.entrypoint import serve_stage
from svc_tts.settings import TtsSettings
from svc_tts.stage import TtsStage

if __name__ == "__main__":
    serve_stage("svc_tts", TtsSettings, TtsStage)
