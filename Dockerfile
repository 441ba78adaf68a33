# A DeMeS node. Build: docker build -t demes .   Run: docker run -v demes-data:/data demes
FROM node:20-bookworm-slim AS build
WORKDIR /app
# Native addons (if any) build from source: python3, make and g++ for node-gyp.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# The optional malloc_trim addon: a local package that npm ci copies into node_modules and builds
# with node-gyp (.npmrc: install-links).
COPY .npmrc ./
COPY native ./native
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY proto ./proto
COPY src ./src
COPY scripts ./scripts
# tsc, then one bundled module (dist/demes.mjs): ~6 MiB less V8 heap than ~580 modules.
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN ln -s /app/dist/demes.mjs /usr/local/bin/demes && chmod +x /app/dist/demes.mjs
ENV DEMES_HOME=/data
# As `npm start`: a 1 MiB young generation (V8's default grows to 16 MiB × 2 after a burst and keeps it
# while the node is idle) and one V8 helper thread instead of four (each costs a stack and a malloc
# arena); docs/benchmarks.md, idle RSS.
ENV NODE_OPTIONS="--max-semi-space-size=1 --v8-pool-size=1"
# glibc: allocations of 32 KiB and more get their own mapping, returned when freed (by default the
# threshold rises after the first such free, and freed buffers stay in the heap). This takes in the
# decrypted noise frames of a catch-up (up to 64 KiB), which otherwise leave the heap fragmented
# (freed, not returned): a member idle after catching up 100,000 messages was at 92-94 MiB against
# 99-103 with 64 KiB (docs/benchmarks.md, idle memory); socket reads (64 KiB buffers) map too.
ENV MALLOC_MMAP_THRESHOLD_=32768
VOLUME /data
# libp2p (TCP). The HTTP API listens on the container's loopback only: use `docker exec <c> demes ...`.
EXPOSE 4001
ENTRYPOINT ["demes"]
CMD ["start", "--listen", "/ip4/0.0.0.0/tcp/4001"]
