# wooconnect: the API (`wooconnect serve`), the workers (`wooconnect worker`) and the one-shot
# migration (`wooconnect db upgrade`) all run from this image; docker-compose.yml wires them.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    WOOCONNECT_RULES_DIR=/app/rules \
    WOOCONNECT_VAR_DIR=/app/var \
    WOOCONNECT_LOG_FORMAT=json

WORKDIR /app

COPY pyproject.toml README.md ./
COPY src ./src
# rules/ is built into the package too (the defaults where no rules directory is given);
# /app/rules is the copy WOOCONNECT_RULES_DIR names, which an operator may mount over.
COPY rules ./rules
RUN pip install . \
    && useradd --system --create-home --home-dir /home/wooconnect --uid 10001 wooconnect \
    && mkdir -p /app/var \
    && chown wooconnect /app/var

USER wooconnect
EXPOSE 8000

ENTRYPOINT ["wooconnect"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
