# Multi-stage build: a static rightsdesk binary on a small base. The image
# runs against an external PostgreSQL (DATABASE_URL) and SMTP server.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/rightsdesk ./cmd/rightsdesk

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/rightsdesk /rightsdesk
ENV LISTEN_ADDR=0.0.0.0:8080 DATA_DIR=/data
EXPOSE 8080
USER nonroot
ENTRYPOINT ["/rightsdesk"]
CMD ["serve"]
