FROM golang:1.22-alpine AS build
RUN go install example.com/lint@latest
FROM alpine:3.20
COPY --from=build /go/bin/lint /usr/local/bin/lint
