use super::*;

const MIN: i64 = 60_000;
const P: Policy = Policy {
    max_failures: 5,
    address_max_failures: 20,
    window_ms: 15 * MIN,
    lockout_ms: 15 * MIN,
    max_lockout_ms: 24 * 60 * MIN,
};

fn ip(last: u8) -> Option<IpAddr> {
    Some([198, 51, 100, last].into())
}

#[test]
fn lock_length_doubles_per_level_up_to_the_cap() {
    assert_eq!(P.lock_ms(0), 15 * MIN);
    assert_eq!(P.lock_ms(1), 30 * MIN);
    assert_eq!(P.lock_ms(2), 60 * MIN);
    assert_eq!(P.lock_ms(7), 24 * 60 * MIN, "capped at a day");
    assert_eq!(P.lock_ms(u32::MAX), 24 * 60 * MIN, "no overflow");
}

#[test]
fn next_lock_counts_then_backs_off_then_forgets() {
    assert_eq!(next_lock(&P, 5, None, 4, 0), None, "four are not enough");
    let first = next_lock(&P, 5, None, 5, 0).unwrap();
    assert_eq!(
        first,
        Lock {
            until_ms: 15 * MIN,
            level: 0
        }
    );
    // One failure right after the lock ended locks again, twice as long.
    let again = next_lock(&P, 5, Some(first), 1, 16 * MIN).unwrap();
    assert_eq!(
        again,
        Lock {
            until_ms: 46 * MIN,
            level: 1
        }
    );
    // After a quiet window the count starts over.
    assert_eq!(next_lock(&P, 5, Some(first), 1, 31 * MIN), None);
}

#[test]
fn names_are_clipped_on_a_character_boundary() {
    let long = "é".repeat(10_000);
    let clipped = clip_name(&long);
    assert_eq!(clipped.chars().count(), NAME_CHARS);
    assert_eq!(clip_name("  Bob "), "bob");
    let k = Key::name_from(&P, &"x".repeat(16 * 1024), ip(1));
    assert!(k.key.len() < 100, "{}", k.key.len());
}

#[tokio::test]
async fn a_pair_lock_does_not_reach_another_address_and_is_cleared() {
    let store = crate::store::Store::memory().await.unwrap();
    let pool = store.pool();
    let from_a = [Key::name_from(&P, "Bob", ip(1))];
    let from_b = [Key::name_from(&P, "bob", ip(2))];
    for i in 0..4 {
        assert!(record_failure(pool, &P, &from_a, i * 1000)
            .await
            .unwrap()
            .is_empty());
    }
    let started = record_failure(pool, &P, &from_a, 4_000).await.unwrap();
    assert_eq!(started[0].lock.until_ms, 4_000 + 15 * MIN);
    assert_eq!(started[0].name, "bob");
    assert_eq!(
        check(pool, &from_a, 5_000).await.unwrap(),
        Some(4_000 + 15 * MIN)
    );
    assert_eq!(
        check(pool, &from_b, 5_000).await.unwrap(),
        None,
        "B is free"
    );
    assert_eq!(locked_names(pool, 5_000).await.unwrap()[0].0, "bob");
    clear(pool, &from_a[0]).await.unwrap();
    assert_eq!(check(pool, &from_a, 5_000).await.unwrap(), None);
}

#[tokio::test]
async fn refused_attempts_are_summed_once_per_lock_period() {
    let store = crate::store::Store::memory().await.unwrap();
    let pool = store.pool();
    let keys = [Key::name_from(&P, "carol", ip(3))];
    for i in 0..5 {
        record_failure(pool, &P, &keys, i).await.unwrap();
    }
    for t in 10..17 {
        assert!(check(pool, &keys, t).await.unwrap().is_some());
    }
    assert!(
        flush_ended(pool, &P, 100).await.unwrap().is_empty(),
        "still locked"
    );
    let s = flush_ended(pool, &P, 4 + 15 * MIN).await.unwrap();
    assert_eq!(s.len(), 1);
    assert_eq!((s[0].name.as_str(), s[0].refused), ("carol", 7));
    assert!(
        flush_ended(pool, &P, 16 * MIN).await.unwrap().is_empty(),
        "once"
    );
}

#[tokio::test]
async fn unlock_by_name_and_by_address() {
    let store = crate::store::Store::memory().await.unwrap();
    let pool = store.pool();
    let p = Policy {
        address_max_failures: 5,
        ..P
    };
    for (name, last) in [("dan", 4), ("dan", 5), ("ed", 5)] {
        let keys: Vec<Key> = std::iter::once(Key::name_from(&p, name, ip(last)))
            .chain(Key::address(&p, ip(last).unwrap()))
            .collect();
        for i in 0..5 {
            record_failure(pool, &p, &keys, i).await.unwrap();
        }
    }
    let u = unlock_name(pool, "DAN").await.unwrap();
    assert_eq!(u.keys, 2, "dan from both addresses");
    let ed = [Key::name_from(&p, "ed", ip(5))];
    assert!(
        check(pool, &ed, 10).await.unwrap().is_some(),
        "ed untouched"
    );
    let addr = Key::address(&p, ip(5).unwrap()).unwrap();
    assert!(check(pool, std::slice::from_ref(&addr), 10)
        .await
        .unwrap()
        .is_some());
    let u = unlock_address(pool, ip(5).unwrap()).await.unwrap();
    assert_eq!(u.keys, 2, "the address and ed from it");
    assert_eq!(check(pool, &[addr], 10).await.unwrap(), None);
    assert_eq!(check(pool, &ed, 10).await.unwrap(), None);
}
