# RPyMostat sensor-agent: small (python slim, no build tools kept), non-root, with a health check.
# Build from the repository root: docker build -f deploy/docker/sensor-agent.Dockerfile .
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    RPYMOSTAT_DATA_DIR=/var/lib/rpymostat RPYMOSTAT_SENSOR_AGENT_LISTEN=tcp:8089
COPY constraints.txt /src/constraints.txt
COPY shared /src/shared
COPY sensor_agent /src/sensor_agent
RUN PIP_CONSTRAINT=/src/constraints.txt pip install /src/shared /src/sensor_agent && rm -rf /src \
    && useradd --system --home-dir /var/lib/rpymostat --create-home --uid 10001 rpymostat
USER rpymostat
WORKDIR /var/lib/rpymostat
VOLUME /var/lib/rpymostat
EXPOSE 8089
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8089/v1/status', timeout=4)"]
CMD ["rpymostat-sensor-agent"]
