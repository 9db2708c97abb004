//! Stable-Rust smoke fuzz: the library functions the cargo-fuzz targets call (proxy/fuzz),
//! fed the committed seed corpus (proxy/fuzz/seeds) plus thousands of random and mutated inputs from proptest.
//! No input may panic, and every result must be Ok(valid canonical body) or Err(reason): the
//! invariants module asserts both. cargo-fuzz itself needs nightly; this runs everywhere.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::OnceLock;

use proptest::collection::vec;
use proptest::prelude::*;
use tradebot_socket_proxy::invariants;
use tradebot_socket_proxy::policy::Policy;

fn policy() -> Policy {
    Policy::from_toml(include_str!("../policy.toml")).unwrap()
}

fn read_corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/seeds")
        .join(target);
    let mut out: Vec<Vec<u8>> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect();
    out.sort();
    out
}

/// The committed corpus of a fuzz target, read once.
fn corpus(target: &'static str) -> &'static [Vec<u8>] {
    static CREATE: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    static ROUTE: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    let cell = if target == "route" { &ROUTE } else { &CREATE };
    cell.get_or_init(|| read_corpus(target))
}

/// Byte-level mutations like a fuzzer's: overwrite, insert, delete at (wrapped) positions.
fn mutate(seed: &[u8], edits: &[(usize, u8, u8)]) -> Vec<u8> {
    let mut data = seed.to_vec();
    for &(at, byte, kind) in edits {
        let i = if data.is_empty() { 0 } else { at % data.len() };
        match kind {
            0 if !data.is_empty() => data[i] = byte,
            1 => data.insert(i, byte),
            _ if !data.is_empty() => {
                data.remove(i);
            }
            _ => data.push(byte),
        }
    }
    data
}

#[test]
fn committed_corpus_runs_clean() {
    let p = policy();
    let creates = corpus("create_policy");
    let accepted = creates
        .iter()
        .filter(|c| invariants::create_policy(&p, c).is_ok())
        .count();
    assert!(
        creates.len() >= 60 && accepted >= 3,
        "{accepted} of {}",
        creates.len()
    );
    let routes = corpus("route");
    let routed = routes
        .iter()
        .filter(|r| invariants::request_line(r).is_ok())
        .count();
    assert!(
        routes.len() >= 60 && routed >= 4,
        "{routed} of {}",
        routes.len()
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn random_bytes_as_create_body(bytes in vec(any::<u8>(), 0..600)) {
        let _ = invariants::create_policy(&policy(), &bytes);
    }

    #[test]
    fn mutated_create_corpus(seed in any::<prop::sample::Index>(), edits in vec((any::<usize>(), any::<u8>(), 0u8..3), 1..6)) {
        let corpus = corpus("create_policy");
        let seed: &Vec<u8> = seed.get(corpus);
        let input = mutate(seed, &edits);
        let _ = invariants::create_policy(&policy(), &input);
    }

    #[test]
    fn random_request_lines(bytes in vec(any::<u8>(), 0..300)) {
        let _ = invariants::request_line(&bytes);
    }

    #[test]
    fn mutated_route_corpus(seed in any::<prop::sample::Index>(), edits in vec((any::<usize>(), any::<u8>(), 0u8..3), 1..6)) {
        let corpus = corpus("route");
        let seed: &Vec<u8> = seed.get(corpus);
        let input = mutate(seed, &edits);
        let _ = invariants::request_line(&input);
    }

    #[test]
    fn printable_request_lines(method in "(GET|POST|DELETE|PUT|HEAD)", path in "(/v1\\.4[0-9])?(/[a-z_%2F.]{0,12}){1,4}", query in "[a-z=&%]{0,20}") {
        let line = format!("{method} {path}?{query} HTTP/1.1\r\n\r\n");
        let _ = invariants::request_line(line.as_bytes());
    }
}
