from common.entrypoint import serve_stage
from svc_captions.settings import CaptionsSettings
from svc_captions.stage import CaptionsStage

if __name__ == "__main__":
    serve_stage("svc_captions", CaptionsSettings, CaptionsStage)
