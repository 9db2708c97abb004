# A local Injective devnet node for the stack: `injectived` v1.20.1 from the PyPI wheel
# injective-core==1.20.1 (sha256-pinned in ops/lib.sh), its libwasmvm, and the glibc pieces
# both need (loader, libc, libm, libdl, libpthread, libgcc_s), copied from the building host by
# ops/build-devnet-image. Nothing else: no shell. Non-root; the chain's home lives in the /data
# volume (ops/up --devnet fills it), so the root filesystem can be read-only.
FROM scratch
COPY --chown=0:0 rootfs/ /
# HOME: the app creates its wasm folder under $HOME/.injectived before it reads --home.
ENV LD_LIBRARY_PATH=/lib HOME=/data
COPY --chown=65532:65532 empty/ /data/
USER 65532:65532
VOLUME ["/data"]
ENTRYPOINT ["/bin/injectived", "--home", "/data/home"]
CMD ["start", "--log-level", "warn"]
