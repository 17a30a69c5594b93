# syntax=docker/dockerfile:1
FROM node:20-slim AS build
WORKDIR /app
# onnxruntime-node's install script would fetch CUDA add-ons from outside the npm registry.
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY schemas ./schemas
# The explorer page, bundled by the build into dist/explorer.
COPY explorer ./explorer
COPY scripts/build-explorer.mjs scripts/build-bundles.mjs ./scripts/
# The production build compiles src/ only: bench/ and the test generators are not shipped.
RUN npm run build && npm prune --omit=dev
# onnxruntime-node ships its runtime for every OS and CPU (about 290 MB); the image needs this one's.
RUN keep="linux/$(node -p process.arch)" \
 && for dir in node_modules/onnxruntime-node/bin/napi-v*/*/*; do case "$dir" in */"$keep") ;; *) rm -rf "$dir" ;; esac; done \
 && test -n "$(ls node_modules/onnxruntime-node/bin/napi-v*/"$keep"/*.node)"

FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production ONNXRUNTIME_NODE_INSTALL=skip PORT=8080 NARSOLVE_DATA_DIR=/data
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY schemas ./schemas
COPY models ./models
# Stored graphs and their observation history: mount a volume here to keep them across containers.
RUN mkdir -p /data && chown node:node /data
VOLUME /data
USER node
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s \
  CMD node -e "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
CMD ["node", "dist/src/server.js"]
