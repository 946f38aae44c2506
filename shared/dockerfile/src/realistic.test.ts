import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extractDockerfile } from './index.js';
import { referenceLines as refs, stageLines as stages } from './summarize.js';

// Modelled on public Dockerfiles: `docker init` templates, astral-sh/uv's
// Docker guide, tonistiigi/xx cross-compilation examples.

const goDistroless = `# syntax=docker/dockerfile:1

ARG GO_VERSION=1.22
FROM --platform=$BUILDPLATFORM golang:\${GO_VERSION} AS build
WORKDIR /src

RUN --mount=type=cache,target=/go/pkg/mod/ \\
    --mount=type=bind,source=go.sum,target=go.sum \\
    --mount=type=bind,source=go.mod,target=go.mod \\
    go mod download -x

ARG TARGETARCH

RUN --mount=type=cache,target=/go/pkg/mod/ \\
    --mount=type=bind,target=. \\
    CGO_ENABLED=0 GOARCH=$TARGETARCH go build -o /bin/server ./cmd/server

FROM gcr.io/distroless/static-debian12:nonroot AS final
COPY --from=build /bin/server /bin/
USER nonroot:nonroot
EXPOSE 8080
ENTRYPOINT [ "/bin/server" ]
`;

const nodeTemplate = `# syntax=docker/dockerfile:1

ARG NODE_VERSION=20.11.1

FROM node:\${NODE_VERSION}-alpine as base
WORKDIR /usr/src/app
EXPOSE 3000

FROM base as dev
RUN --mount=type=bind,source=package.json,target=package.json \\
    --mount=type=bind,source=package-lock.json,target=package-lock.json \\
    --mount=type=cache,target=/root/.npm \\
    npm ci --include=dev
USER node
COPY . .
CMD npm run dev

FROM base as prod
ENV NODE_ENV production
RUN --mount=type=bind,source=package.json,target=package.json \\
    --mount=type=bind,source=package-lock.json,target=package-lock.json \\
    --mount=type=cache,target=/root/.npm \\
    npm ci --omit=dev
USER node
COPY . .
CMD node src/index.js
`;

const pythonUv = `# syntax=docker/dockerfile:1.7
ARG PYTHON_VERSION=3.12
FROM python:\${PYTHON_VERSION}-slim AS builder
COPY --from=ghcr.io/astral-sh/uv:0.4.18 /uv /bin/uv
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy
WORKDIR /app
RUN --mount=type=cache,target=/root/.cache/uv \\
    --mount=type=bind,source=uv.lock,target=uv.lock \\
    --mount=type=bind,source=pyproject.toml,target=pyproject.toml \\
    uv sync --frozen --no-install-project --no-dev
COPY . /app
RUN --mount=type=cache,target=/root/.cache/uv \\
    uv sync --frozen --no-dev

FROM python:\${PYTHON_VERSION}-slim
COPY --from=builder --chown=app:app /app /app
ENV PATH="/app/.venv/bin:$PATH"
CMD ["python", "-m", "app"]
`;

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const rustXx = `# syntax=docker/dockerfile:1
FROM --platform=$BUILDPLATFORM tonistiigi/xx:1.4.0@${D1} AS xx
FROM --platform=$BUILDPLATFORM rust:1.79-alpine AS build
COPY --from=xx / /
ARG TARGETPLATFORM
RUN apk add clang lld
RUN <<EOF
set -e
xx-apk add --no-cache musl-dev gcc
# FROM lines in a script are not instructions
echo "FROM busybox" > /tmp/note
EOF
RUN --mount=type=cache,target=/usr/local/cargo/registry \\
    --mount=type=cache,target=/src/target,id=target-$TARGETPLATFORM \\
    xx-cargo build --release --target-dir ./build
FROM alpine:3.20@${D2}
COPY --from=build /src/build/release/app /usr/local/bin/
`;

describe('realistic Dockerfiles', () => {
  it('golang builder and distroless runtime', () => {
    const x = extractDockerfile(goDistroless, { file: 'Dockerfile' });
    assert.deepEqual(refs(x), [
      '4 from 0 golang:${GO_VERSION} => golang:1.22',
      '18 from 1 gcr.io/distroless/static-debian12:nonroot => gcr.io/distroless/static-debian12:nonroot',
    ]);
    assert.deepEqual(stages(x), [
      '0 build image golang:1.22',
      '1 final image gcr.io/distroless/static-debian12:nonroot',
    ]);
    assert.equal(x.references[0]?.platform, '$BUILDPLATFORM');
    assert.equal(x.references[1]?.ref?.familiar, 'gcr.io/distroless/static-debian12');
    assert.deepEqual(x.errors, []);
  });

  it('node with ARG NODE_VERSION, default and overridden', () => {
    const x = extractDockerfile(nodeTemplate, { file: 'Dockerfile' });
    assert.deepEqual(refs(x), ['5 from 0 node:${NODE_VERSION}-alpine => node:20.11.1-alpine']);
    assert.deepEqual(stages(x), [
      '0 base image node:20.11.1-alpine',
      '1 dev stage base',
      '2 prod stage base',
    ]);
    assert.deepEqual(x.errors, []);
    const y = extractDockerfile(nodeTemplate, {
      file: 'Dockerfile',
      buildArgs: { NODE_VERSION: '22.2.0' },
    });
    assert.equal(y.references[0]?.ref?.tag, '22.2.0-alpine');
  });

  it('python with cache mounts and uv copied from an image', () => {
    const x = extractDockerfile(pythonUv, { file: 'Dockerfile' });
    assert.deepEqual(refs(x), [
      '3 from 0 python:${PYTHON_VERSION}-slim => python:3.12-slim',
      '4 copy 0 ghcr.io/astral-sh/uv:0.4.18 => ghcr.io/astral-sh/uv:0.4.18',
      '15 from 1 python:${PYTHON_VERSION}-slim => python:3.12-slim',
    ]);
    assert.equal(x.references[1]?.ref?.domain, 'ghcr.io');
    assert.equal(x.syntax, 'docker/dockerfile:1.7');
    assert.deepEqual(x.errors, []);
  });

  it('cross-compiling with xx, pinned digests and a heredoc script', () => {
    const x = extractDockerfile(rustXx, { file: 'Dockerfile' });
    assert.deepEqual(refs(x), [
      `2 from 0 tonistiigi/xx:1.4.0@${D1} => tonistiigi/xx:1.4.0@${D1}`,
      '3 from 1 rust:1.79-alpine => rust:1.79-alpine',
      `16 from 2 alpine:3.20@${D2} => alpine:3.20@${D2}`,
    ]);
    assert.equal(x.references[0]?.ref?.digest, D1);
    assert.equal(x.references[2]?.ref?.digest, D2);
    assert.deepEqual(x.errors, []);
  });
});
