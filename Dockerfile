# swc-beheer service image: one virtualenv, the console script as entry point.
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
RUN pip install --no-cache-dir . && useradd --create-home swc
USER swc
WORKDIR /home/swc
ENTRYPOINT ["swc-beheer"]
CMD ["run"]
