# The Docker socket proxy: the only container that mounts /var/run/docker.sock.
FROM scratch
COPY --chown=0:0 rootfs/ /
COPY --chown=0:0 bin/tradebot-socket-proxy /usr/local/bin/tradebot-socket-proxy
COPY --chown=0:0 proxy-policy.toml /etc/tradebot/proxy-policy.toml
COPY --chown=65532:65532 empty/ /proxy-token/
ENV PROXY_POLICY_FILE=/etc/tradebot/proxy-policy.toml \
    PROXY_TOKEN_FILE=/proxy-token/token \
    LOG_FORMAT=json
# Runs as 65532; compose adds the host's docker group (group_add) so it can open the socket.
USER 65532:65532
EXPOSE 2375
ENTRYPOINT ["/usr/local/bin/tradebot-socket-proxy"]
