# Multi-stage build: a static rightsdesk binary on a small Debian base. The
# image runs against an external PostgreSQL (DATABASE_URL) and SMTP server.
# It ships the PostgreSQL client of PG_MAJOR (the server's major version:
# postgres:15 in docker-compose.yml) so that `rightsdesk backup` and
# `rightsdesk restore` find a pg_dump / pg_restore of the same version.
# Debian 12 carries 15; for another major add apt.postgresql.org first.
# poppler-utils gives pdftotext, which importing a published PDF register
# description needs (registers/input_pdf.go; issue 19); `serve` says so at
# start when it is missing.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/rightsdesk ./cmd/rightsdesk

FROM debian:bookworm-slim
ARG PG_MAJOR=15
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tzdata postgresql-client-${PG_MAJOR} poppler-utils \
 && rm -rf /var/lib/apt/lists/* \
 && pdftotext -v \
 && useradd --system --uid 65532 --home-dir /nonexistent --shell /usr/sbin/nologin nonroot
COPY --from=build /out/rightsdesk /rightsdesk
ENV LISTEN_ADDR=0.0.0.0:8080 DATA_DIR=/data
EXPOSE 8080
USER nonroot
ENTRYPOINT ["/rightsdesk"]
CMD ["serve"]
