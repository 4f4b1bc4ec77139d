# syntax=docker/dockerfile:1
#
# One image for the three processes of osigu-webhooks:
#   receiver (default):  node dist/http/server.js
#   worker:              node dist/worker.js
#   namespace setup:     node dist/temporal/setup-command.js   (one-shot)
#
# Debian (glibc), not Alpine: @temporalio/worker loads the prebuilt native
# @temporalio/core-bridge, which ships x86_64/aarch64-unknown-linux-gnu builds and no musl one.
#
# Build: docker build -t osigu-webhooks .   (BuildKit, the default builder since Docker 23)

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: compile TypeScript to dist/ ------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# ---- runtime: production dependencies + dist/ only -------------------------------------
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
COPY package.json package-lock.json ./
# @temporalio/worker is a runtime dependency on purpose: the worker bundles dist/workflows
# with webpack (inside @temporalio/worker) every time it starts, in memory.
# @temporalio/core-bridge ships prebuilt libraries for five platforms (~135 MB); keep only this
# image's (x86_64|aarch64)-unknown-linux-gnu, and fail the build if it is missing.
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev \
 && keep="$(node -p "({ x64: 'x86_64', arm64: 'aarch64' })[process.arch]")-unknown-linux-gnu" \
 && test -f "node_modules/@temporalio/core-bridge/releases/$keep/index.node" \
 && find node_modules/@temporalio/core-bridge/releases -mindepth 1 -maxdepth 1 ! -name "$keep" -exec rm -rf {} +
COPY --from=build /app/dist ./dist
# Code and node_modules stay owned by root (read-only to the app); the process runs as `node`.
ENV NODE_ENV=production
USER node

EXPOSE 3000
# Liveness of the receiver only (/readyz also checks Temporal, which a restart would not fix).
# No curl in the slim image, so Node's fetch. It assumes plain HTTP on 127.0.0.1:$PORT: with
# TLS_CERT_FILE/TLS_KEY_FILE or a HOST other than all interfaces, override it. The worker and
# the setup command use this image too and serve no HTTP: their compose services disable it.
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

CMD ["node", "dist/http/server.js"]
