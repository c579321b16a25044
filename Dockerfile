# syntax=docker/dockerfile:1
# One image for every role: the container's arguments pick it (`gateway`, `subgraph samples`,
# `projections sagas`, `migrate`, …; see bin/tracseq.ts). tests/ops/docker-compose.test.ts reads
# this file: what it says the image contains is checked against docker-compose.yml and deploy/k8s.
ARG NODE_IMAGE=node:20-bookworm-slim

# Build: the full dependency tree, so the image is only built from code that type-checks.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# The board and GraphiQL are bundled here (esbuild is a dev dependency); the runtime serves web/dist.
RUN npm run typecheck \
 && npm run build:web \
 && npm prune --omit=dev --no-audit --no-fund

# Runtime: production dependencies and the server code only, owned by root and run as `node`, so
# the process cannot rewrite its own code.
FROM ${NODE_IMAGE} AS runtime
# tini as PID 1 reaps zombies and forwards SIGTERM to Node, whose handler drains and stops cleanly.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    DATA_DIR=/var/lib/tracseq
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/package.json /app/tsconfig.json ./
COPY --from=build /app/bin ./bin
COPY --from=build /app/event-store ./event-store
COPY --from=build /app/gateway ./gateway
COPY --from=build /app/platform ./platform
COPY --from=build /app/sagas ./sagas
COPY --from=build /app/schema ./schema
COPY --from=build /app/subgraphs ./subgraphs
COPY --from=build /app/web/dist ./web/dist
COPY --from=build /app/deploy/probe.mjs ./deploy/probe.mjs
# Only the all-in-one `start` without DATABASE_URL writes here (embedded PostgreSQL).
RUN mkdir -p /var/lib/tracseq && chown node:node /var/lib/tracseq
VOLUME /var/lib/tracseq
USER node
# Gateway (PORT) and the subgraphs (SAMPLES_PORT … AUDIT_PORT), as platform/config.ts defaults them.
EXPOSE 4000 4001 4002 4003 4004 4005 4006 4007
# Probes the gateway's /ready on PORT; compose and Kubernetes give other roles their own check.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 CMD ["node", "deploy/probe.mjs"]
# `node --import tsx` keeps one process (the tsx CLI would spawn a second Node and relay signals).
# bin/tracing.ts starts OpenTelemetry before the app loads, only when OTEL_TRACES_EXPORTER or an
# OTLP endpoint is set (docs/operations.md, Tracing); otherwise it does nothing.
# A 64 MiB young generation (V8's default is 16): a request's short-lived objects (pg rows, GraphQL
# results, JSON) die young instead of being copied and promoted; about half the CPU per federated
# page (docs/performance.md, round five). The same flag as `npm start`.
ENTRYPOINT ["tini", "--", "node", "--max-semi-space-size=64", "--import", "tsx", "--import", "./bin/tracing.ts", "bin/tracseq.ts"]
CMD ["start"]
