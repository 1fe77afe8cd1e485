# For Azure Container Apps or AKS: the same artifact App Service runs (npm run package:deploy,
# build/deploy/), installed the same way (npm ci --omit=dev from its lock file) and started with
# `npm start`. Build after `npm run package:deploy`:  docker build -t teams-revoke-bot .
# Container Apps gives a managed identity through the same IDENTITY_ENDPOINT / IDENTITY_HEADER as
# App Service, so the settings of infra/azure.json apply unchanged. Not built on the development
# machine (it cannot pull base images): the artifact and its install are tested by
# test/deploy/artifact.spec.ts.
FROM node:22-bookworm-slim
WORKDIR /app
COPY build/deploy/ ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
USER node
ENV PORT=3978
EXPOSE 3978
CMD ["npm", "start"]
