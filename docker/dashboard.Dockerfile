# The dashboard and devops CLI (`tradebot`): one static binary, nothing else.
# Built by ops/build-images from a context it assembles (binary, CA bundle, passwd, empty dirs),
# so no base image is pulled.
FROM scratch
COPY --chown=0:0 rootfs/ /
COPY --chown=0:0 bin/tradebot /usr/local/bin/tradebot
# Mount points of named volumes: Docker copies these directories' ownership into a new volume,
# so the non-root user can write there. vault-tls is group 1000 (the OpenBao group); vault-ca
# (the CA certificate alone) and dev-ca (the CA key, the one-shot init only) are 65532's.
COPY --chown=65532:65532 empty/ /data/
COPY --chown=65532:65532 empty/ /approle/
COPY --chown=65532:65532 empty/ /unseal/
COPY --chown=65532:1000 empty/ /vault-tls/
COPY --chown=65532:65532 empty/ /vault-ca/
COPY --chown=65532:65532 empty/ /dev-ca/
COPY --chown=65532:65532 empty/ /proxy-token/
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    TRADEBOT_LOG__FORMAT=json
USER 65532:65532
EXPOSE 8443
ENTRYPOINT ["/usr/local/bin/tradebot"]
CMD ["serve"]
HEALTHCHECK --interval=5s --timeout=3s --start-period=20s --retries=5 CMD ["/usr/local/bin/tradebot", "healthcheck"]
