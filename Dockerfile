# syntax=docker/dockerfile:1
#
# Rollout in a container: one static binary, run as a user without
# privileges, on an external PostgreSQL given by DATABASE_URL. The image
# holds no PostgreSQL server, so the embedded one never starts in it.
#
#   docker build -t rollout --build-arg VERSION=1.0.0 .
#   docker run -p 8080:8080 -e DATABASE_URL=postgres://rollout:secret@db:5432/rollout?sslmode=disable rollout
#
# compose.yaml runs PostgreSQL 15 and two instances behind Caddy.

# --- build: a static binary (no cgo; the frontend is built and committed in frontend/dist) ---
FROM golang:1.26-alpine AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" \
    -o /out/rollout ./cmd/rollout

# --- run: CA certificates (SMTP over TLS, webhooks), time zones, and the
# PostgreSQL client programs that rollout backup and rollout restore use ---
FROM alpine:3.22
RUN apk add --no-cache ca-certificates tzdata postgresql17-client \
    && addgroup -S -g 10001 rollout \
    && adduser -S -D -H -u 10001 -G rollout -s /sbin/nologin rollout
COPY --from=build /out/rollout /usr/local/bin/rollout
ENV ROLLOUT_ADDR=0.0.0.0:8080
EXPOSE 8080
USER 10001:10001
HEALTHCHECK --interval=30s --timeout=3s CMD wget -q -O /dev/null http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["/usr/local/bin/rollout"]
CMD ["serve"]
