# One image for the API, the worker and the migration job; docker-compose.yml picks the command.

# The console's static files, built with the dev dependencies that the final image leaves out.
FROM node:20-bookworm-slim AS console
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY domain ./domain
COPY console ./console
RUN npx vite build console

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY tsconfig.json ./
COPY domain ./domain
COPY db ./db
COPY activities ./activities
COPY workflows ./workflows
COPY worker ./worker
COPY api ./api
COPY config ./config
COPY telemetry ./telemetry
COPY scripts ./scripts
COPY --from=console /app/console/dist ./console/dist
# A CJK font for agreements' PDFs (AGREEMENT_FONT).
RUN apt-get update && apt-get install -y --no-install-recommends fonts-wqy-microhei && rm -rf /var/lib/apt/lists/*
USER node
EXPOSE 3000
CMD ["node", "scripts/run.js", "api/main.ts"]
