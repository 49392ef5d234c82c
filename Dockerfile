# fal-bot: the Slack app for teams using fal.ai. Build: docker build -t fal-bot .
# Run (Socket Mode):  docker run -d --name fal-bot -v fal-bot-data:/data \
#                       -e SLACK_BOT_TOKEN=xoxb-… -e SLACK_APP_TOKEN=xapp-… fal-bot
# Run (HTTP mode):    docker run -d --name fal-bot -v fal-bot-data:/data -p 3000:3000 \
#                       -e SLACK_BOT_TOKEN=xoxb-… -e SLACK_SIGNING_SECRET=… fal-bot
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies in their own layer, rebuilt only when pyproject.toml changes: the list is read
# from [project].dependencies, so there is no second list to keep in step.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The app itself (the knowledge base ships inside the package as bot.knowledge_data).
COPY README.md ./
COPY bot ./bot
COPY knowledge ./knowledge
# `fal-bot doctor` compares the token's scopes with the manifest's (read from /app, the working folder).
COPY app_manifest.yml ./
RUN pip install --no-deps . && rm -rf build

# An unprivileged user; the SQLite database lives on a volume so subscriptions and alert state
# survive a new container.
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin falbot \
    && mkdir -p /data && chown 10001:10001 /data
ENV FAL_BOT_DB=/data/fal-bot.db \
    PORT=3000
VOLUME /data
USER 10001:10001

# HTTP mode serves POST /slack/events on PORT; both modes serve GET /healthz there.
EXPOSE 3000
# 200 while the app can work, 503 (so: unhealthy) when it cannot; no curl in a slim image.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)"]

# `docker stop` sends SIGTERM and waits 10 s: fal-bot finishes in-flight requests and exits 0 before.
STOPSIGNAL SIGTERM
ENTRYPOINT ["fal-bot"]
CMD ["run"]
