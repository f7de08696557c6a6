# syntax=docker/dockerfile:1
# One image for every order-pipeline process; docker-compose.yml picks the entry point per
# service with `command:` (e.g. ["node", "dist/tools/stack/provision.js"]).

# --- build: compile TypeScript to /app/dist ------------------------------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm ci installs exactly what package-lock.json lists (every platform's optional native binaries included).
RUN npm ci --no-audit --no-fund
COPY . .
# tsc -p tsconfig.build.json -> dist/ mirroring the source tree (dist/common, dist/stack, dist/api, ...)
RUN npm run build && node dist/workers/build-bundle.js dist/workflow-bundle.js

# --- runtime: production dependencies + compiled output only -----------------------------------
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# Code and dependencies stay owned by root and read-only for the app; the process runs as the
# unprivileged `node` user (uid 1000) that ships with the base image.
USER node
CMD ["node", "dist/tools/stack/provision.js"]
