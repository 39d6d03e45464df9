# bgplab:latest - one image serves every lab node: Node 20 with the built project, plus BIRD 2, FRR and
# GoBGP from Debian, iproute2 and ping. Nodes start with `sh /etc/bgplab/start.sh` (generated per node by
# `bgplab topo gen` and bound in with the node's configs), which picks the daemon.
#   docker build -t bgplab:latest .
FROM node:20-bookworm-slim AS build
WORKDIR /opt/bgplab
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY tsconfig.json ./
COPY src ./src
COPY bench ./bench
COPY scripts ./scripts
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      bird2 frr gobgpd iproute2 iputils-ping procps tcpdump ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/bgplab
COPY --from=build /opt/bgplab/package.json ./
COPY --from=build /opt/bgplab/node_modules ./node_modules
COPY --from=build /opt/bgplab/dist ./dist
# Read at run time by the topology loader (dist/src/topo looks for it here).
COPY --from=build /opt/bgplab/src/topo/clab.schema.json ./src/topo/clab.schema.json
RUN chmod +x dist/src/cli/main.js && ln -s /opt/bgplab/dist/src/cli/main.js /usr/local/bin/bgplab \
 && mkdir -p /var/run/bgplab
CMD ["bash"]
