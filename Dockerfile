# One image for every process; compose.yaml picks the command of each service.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    T2V_DATA_DIR=/data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY common ./common
COPY gateway ./gateway
COPY cli ./cli
COPY svc_tts ./svc_tts
COPY svc_captions ./svc_captions
COPY svc_queries ./svc_queries
COPY svc_footage ./svc_footage
COPY svc_render ./svc_render
RUN pip install . \
    && useradd --system --uid 10001 --home-dir /app t2v \
    && mkdir -p /data && chown t2v /data

USER t2v
VOLUME ["/data"]
EXPOSE 5000
CMD ["python", "-m", "gateway"]
