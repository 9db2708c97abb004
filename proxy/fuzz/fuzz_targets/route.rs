//! Arbitrary bytes as a request head: the framing check, then the request line through the
//! router and query allow-list (`invariants::request_line`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tradebot_socket_proxy::invariants;

fuzz_target!(|data: &[u8]| {
    let _ = invariants::request_line(data);
});
