# swc-beheer service image: one virtualenv, the console script as entry point.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY config ./config
COPY connectors ./connectors
COPY sync ./sync
COPY journey ./journey
COPY sandbox ./sandbox
RUN pip install --no-cache-dir . && useradd --create-home swc
USER swc
WORKDIR /home/swc
ENTRYPOINT ["swc-beheer"]
CMD ["run"]
