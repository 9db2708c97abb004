# One trading bot. Started only by the dashboard, through the socket proxy.
FROM scratch
COPY --chown=0:0 rootfs/ /
COPY --chown=0:0 bin/tradebot-bot /usr/local/bin/tradebot-bot
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/tradebot-bot"]
CMD ["run"]
