# yingji 应急知识助手 — the app image. Build on a connected machine (npm ci needs the npm registry),
# then move it to an offline one with `docker save yingji:latest | gzip > yingji.tar.gz` / `docker load`.

# ---- build stage: compiles hnswlib-node from source (python3, make, g++) and builds the web UI ----
FROM node:20-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
# node-gyp uses the image's own Node headers instead of downloading them from nodejs.org.
ENV npm_config_nodedir=/usr/local
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# Build web/dist now (vite is a dev dependency), so the runtime image never needs to.
RUN node --import tsx -e "const m = await import('./src/server/web-assets.ts'); await m.ensureWebBuilt(console.log);" \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf knowledge/* test bench .env

# ---- runtime stage: Node 20 + OCR programs (tesseract with Simplified Chinese, poppler's pdftoppm) ----
FROM node:20-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-chi-sim poppler-utils \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    YINGJI_DATA_DIR=/app/knowledge \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
# One COPY keeps modification times, so web/dist stays newer than web/src and is not rebuilt at start.
COPY --from=build --chown=node:node /app /app
RUN mkdir -p /app/knowledge && chown node:node /app/knowledge
USER node
VOLUME ["/app/knowledge"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/api/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM (docker stop) lets in-flight ingestion commit or stop cleanly, then closes sockets.
STOPSIGNAL SIGTERM
CMD ["node", "bin/yingji.js", "serve"]
