# syntax=docker/dockerfile:1
# Multi-stage build: compile TypeScript once, ship only production dependencies and
# the compiled output, run as a non-root user. One image serves every role
# (PROCESS_ROLES) and the `tessera` CLI: `docker compose exec api tessera verify`.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# Mail templates are read at run time (src/jobs/mail/templates.ts).
COPY templates ./templates
# The CLI on PATH, running the compiled code (no tsx, no TypeScript sources in the image).
COPY --chmod=755 deploy/docker/tessera /usr/local/bin/tessera
USER node
# 3000: the api role's HTTP server; 3001: the health listener of the other roles (HEALTH_PORT).
EXPOSE 3000 3001
# Every role answers: `tessera health` asks this process's own health endpoint
# (PORT for the api role, HEALTH_PORT otherwise) and exits 0/1.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=5 CMD ["tessera", "health"]
CMD ["node", "dist/src/main.js"]
