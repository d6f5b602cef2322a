# One image for both processes of the service: the API (default command) and the Temporal worker
# (docker-compose.yml overrides the command with `node --import tsx worker/main.ts`).
# The service runs its TypeScript sources directly through tsx, so there is no build step: the image holds the
# runtime dependencies and the source folders.

# Node 20 is what the project's machines and tests run; bump NODE_VERSION together with them.
ARG NODE_VERSION=20

# ---- dependencies -----------------------------------------------------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Runtime dependencies only (tsx, the Temporal SDK with its native core bridge and the webpack/swc toolchain the
# worker bundles workflow code with): nothing the running service imports lives in devDependencies.
#
# Install scripts: the project's npm (11) runs a dependency's install script only if package.json's "allowScripts"
# approves it; the npm that ships with this base image (10) knows no such policy and would run every one (including
# the denied @scarf/scarf). So install with all scripts off, then run the scripts of exactly the approved packages,
# read from allowScripts, whatever npm version the image has. Approved packages absent here (not a runtime
# dependency, or another CPU's binary) are skipped by `npm rebuild`.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && approved="$(node -p "Object.entries(require('./package.json').allowScripts || {}).filter(([, ok]) => ok === true).map(([name]) => name).join(' ')")" \
 && if [ -n "$approved" ]; then npm rebuild $approved; fi \
 && npm cache clean --force
# Fail the build here, not at the first request, if a native piece the service needs cannot load: esbuild (tsx),
# swc (the worker's workflow bundler) and the Temporal core bridge.
RUN node -e "require('esbuild').transformSync('const a: number = 1', { loader: 'ts' }); require('@swc/core'); require('@temporalio/worker'); console.log('native dependencies load')"

# ---- runtime ----------------------------------------------------------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
# Everything is owned by root and only readable by the service's user: the running process cannot change its code.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY platform ./platform
COPY db ./db
COPY domain ./domain
COPY contracts ./contracts
COPY workflows ./workflows
COPY activities ./activities
COPY worker ./worker
COPY api ./api
COPY web ./web
COPY scripts ./scripts

# The unprivileged user the official Node image provides (uid 1000). tsx keeps its transform cache in /tmp.
USER node
EXPOSE 3000
CMD ["node", "--import", "tsx", "api/main.ts"]
