#!/usr/bin/env bash
# Certificates for a Docker engine on loopback with TLS, made with openssl:
#
#   tls-certs.sh DIR
#
# writes into DIR a CA (ca.pem), the engine's certificate and key for 127.0.0.1
# (server-cert.pem, server-key.pem) and a client certificate and key signed by the same CA
# (cert.pem, key.pem: the names DOCKER_CERT_PATH and the docker CLI expect). Valid for a day.
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: tls-certs.sh DIR" >&2; exit 2; }
dir=$1
mkdir -p "$dir"
cd "$dir"
quiet() { "$@" >/dev/null 2>&1 || { echo "tls-certs.sh: $* failed" >&2; "$@"; exit 1; }; }

quiet openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=sk test CA" \
    -keyout ca-key.pem -out ca.pem
quiet openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
    -keyout server-key.pem -out server.csr
printf 'subjectAltName = IP:127.0.0.1\nextendedKeyUsage = serverAuth\n' >server.ext
quiet openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 1 \
    -extfile server.ext -out server-cert.pem
quiet openssl req -newkey rsa:2048 -nodes -subj "/CN=sk test client" \
    -keyout key.pem -out client.csr
printf 'extendedKeyUsage = clientAuth\n' >client.ext
quiet openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 1 \
    -extfile client.ext -out cert.pem
rm -f server.csr client.csr server.ext client.ext ca.srl
chmod 0600 ca-key.pem server-key.pem key.pem
