from common.entrypoint import serve_stage
from svc_queries.settings import QueriesSettings
from svc_queries.stage import QueriesStage

if __name__ == "__main__":
    serve_stage("svc_queries", QueriesSettings, QueriesStage)
