# One image for every Node service of the stack (docker-compose.yml picks the command): the API
# (functions/src/api/local.ts), the one-shot migration, the queue workers
# (functions/src/local/workers.ts), and later the WhatsApp host (bot-host/).
# Node 24 runs the TypeScript sources directly (type stripping), so there is no build step.
FROM node:24-slim

ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8000 \
    npm_config_update_notifier=false

WORKDIR /app

# The ocr worker reads receipts with ImageMagick + Tesseract (Indonesian, English); ffmpeg decodes
# voice notes before they go to the whisper container.
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends \
      tesseract-ocr tesseract-ocr-ind tesseract-ocr-eng imagemagick ffmpeg \
    && rm -rf /var/lib/apt/lists/*

# Manifests first, so the dependency layer is rebuilt only when they change.
COPY package.json package-lock.json .npmrc ./
COPY shared/package.json shared/
COPY functions/package.json functions/
COPY bot-host/package.json bot-host/
COPY infra/package.json infra/
# Production dependencies only: the image already is Node 24, so the `node` devDependency that
# brings Node 24 to developer machines (and vitest, biome, typescript) stays out.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY tsconfig.json ./
COPY shared/ shared/
COPY functions/ functions/
COPY bot-host/ bot-host/
COPY infra/ infra/

USER node
EXPOSE 8000 3000
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=5 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "functions/src/api/local.ts"]
