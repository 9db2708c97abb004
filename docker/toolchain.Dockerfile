# For hosts without a Rust toolchain (needs internet to pull rust:1.95-bookworm).
# ops/build-images --in-docker builds this, copies /out/* and the CA bundle into the same
# scratch images as the host build. Not exercised in our CI (its engine cannot pull).
FROM rust:1.95-bookworm
WORKDIR /src
COPY . .
RUN RUSTFLAGS="-C target-feature=+crt-static" cargo build --locked --release \
      --target x86_64-unknown-linux-gnu -p tradebot -p tradebot-bot -p tradebot-socket-proxy \
 && mkdir /out \
 && cp target/x86_64-unknown-linux-gnu/release/tradebot target/x86_64-unknown-linux-gnu/release/tradebot-bot \
       target/x86_64-unknown-linux-gnu/release/tradebot-socket-proxy /out/
