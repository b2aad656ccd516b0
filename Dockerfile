# swc-beheer service image: one virtualenv, the console script as entry point, the daemon as the default.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY config ./config
COPY connectors ./connectors
COPY journey ./journey
COPY store ./store
COPY sync ./sync
COPY reconcile ./reconcile
COPY reports ./reports
COPY swc_beheer ./swc_beheer
COPY sandbox ./sandbox
RUN pip install --no-cache-dir . && useradd --create-home swc \
    && mkdir -p /home/swc/data /home/swc/reports && chown swc:swc /home/swc/data /home/swc/reports
USER swc
WORKDIR /home/swc
# In a container the health endpoint must listen beyond loopback; a SQLite store (the default) lives in a
# volume, never in the container's own layer. docker-compose.yml points the store at PostgreSQL.
ENV SWC_DAEMON__HOST=0.0.0.0
VOLUME ["/home/swc/data", "/home/swc/reports"]
EXPOSE 8765
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8765/healthz', timeout=3)"]
ENTRYPOINT ["swc-beheer"]
# The daemon: scheduled sync, journey refresh and reconciliation. One-off: `docker run IMAGE sync --full`.
CMD ["serve"]
