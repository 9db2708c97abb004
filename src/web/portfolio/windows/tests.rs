use rust_decimal_macros::dec;

use super::*;

fn run(id: &str, started: i64, ended: Option<i64>, pnl: Decimal) -> RunSpan {
    RunSpan {
        launch_id: id.into(),
        started_ms: started,
        ended_ms: ended,
        final_pnl: pnl,
    }
}

fn point(ts: i64, id: Option<&str>, pnl: Decimal) -> Point {
    Point {
        ts_ms: ts,
        launch_id: id.map(str::to_owned),
        pnl,
    }
}

/// Two ended runs (0-100: +5, 100-200: -2) and the current one (from 200, now +1.5).
fn history() -> (Vec<RunSpan>, Decimal) {
    let runs = vec![
        run("r1", 0, Some(100), dec!(5)),
        run("r2", 100, Some(200), dec!(-2)),
        run("r3", 200, None, Decimal::ZERO),
    ];
    (runs, dec!(5) + dec!(-2) + dec!(1.5))
}

#[test]
fn a_window_inside_an_ended_run_keeps_its_tail_and_the_later_runs() {
    let (runs, now) = history();
    // At 150 run r2 stood at -1: since then r2 lost 1 more, r3 made 1.5.
    let p = point(140, Some("r2"), dec!(-1));
    assert_eq!(cumulative_at(&runs, Some(&p), 150), dec!(4));
    assert_eq!(pnl_since(now, &runs, Some(&p), 150), dec!(0.5));
}

#[test]
fn a_run_ending_exactly_at_the_window_start_is_before_the_window() {
    let (runs, now) = history();
    // t = 100: r1 ended at 100 (counted before the window); r2 started at 100 and its point at
    // 100 is inside "at or before t".
    let p = point(100, Some("r2"), dec!(0.25));
    assert_eq!(cumulative_at(&runs, Some(&p), 100), dec!(5.25));
    assert_eq!(pnl_since(now, &runs, Some(&p), 100), dec!(-0.75));
    // One millisecond earlier r1 still runs: its own last point counts, not its final PnL.
    let p = point(99, Some("r1"), dec!(4.9));
    assert_eq!(cumulative_at(&runs, Some(&p), 99), dec!(4.9));
    assert_eq!(pnl_since(now, &runs, Some(&p), 99), dec!(-0.4));
    // A point just after t is not the PnL at t.
    let late = point(101, Some("r2"), dec!(7));
    assert_eq!(cumulative_at(&runs, Some(&late), 100), dec!(5));
}

#[test]
fn a_bot_started_inside_the_window_counts_everything() {
    let runs = vec![run("r1", 500, None, Decimal::ZERO)];
    assert_eq!(cumulative_at(&runs, None, 400), Decimal::ZERO);
    assert_eq!(pnl_since(dec!(-3.33), &runs, None, 400), dec!(-3.33));
    // Started exactly at the window start, with a first point of 0 there: the same.
    let p = point(500, Some("r1"), Decimal::ZERO);
    assert_eq!(pnl_since(dec!(-3.33), &runs, Some(&p), 500), dec!(-3.33));
}

#[test]
fn a_restart_inside_the_window_neither_loses_nor_doubles_the_ended_run() {
    // r1 (0-300) ended at +2; r2 runs since 300 and stands at +1: now 3.
    let runs = vec![
        run("r1", 0, Some(300), dec!(2)),
        run("r2", 300, None, Decimal::ZERO),
    ];
    let now = dec!(3);
    // At 250 r1 stood at 1.5: since then r1 made 0.5 more and r2 made 1.
    let p = point(245, Some("r1"), dec!(1.5));
    assert_eq!(pnl_since(now, &runs, Some(&p), 250), dec!(1.5));
    // At 310 r2 has no point yet (the last one is r1's): r2 stood at 0.
    let p = point(295, Some("r1"), dec!(1.9));
    assert_eq!(cumulative_at(&runs, Some(&p), 310), dec!(2));
    assert_eq!(pnl_since(now, &runs, Some(&p), 310), dec!(1));
}

#[test]
fn points_without_a_run_are_placed_by_time() {
    let runs = vec![
        run("r1", 0, Some(300), dec!(2)),
        run("r2", 300, None, Decimal::ZERO),
    ];
    let in_r2 = point(305, None, dec!(0.1));
    assert_eq!(cumulative_at(&runs, Some(&in_r2), 310), dec!(2.1));
    let in_r1 = point(299, None, dec!(1.9));
    assert_eq!(cumulative_at(&runs, Some(&in_r1), 310), dec!(2));
    assert_eq!(cumulative_at(&runs, Some(&in_r1), 299), dec!(1.9));
}

#[test]
fn exact_decimals_survive_many_runs() {
    let runs: Vec<RunSpan> = (0..10)
        .map(|i| run(&format!("r{i}"), i * 10, Some(i * 10 + 10), dec!(0.1)))
        .chain(std::iter::once(run("now", 100, None, Decimal::ZERO)))
        .collect();
    let now = dec!(1.0) + dec!(0.00000001);
    assert_eq!(pnl_since(now, &runs, None, 0), dec!(1.00000001));
    // At 55 five runs have ended; run r5 stood at 0.03.
    let p = point(55, Some("r5"), dec!(0.03));
    assert_eq!(pnl_since(now, &runs, Some(&p), 55), dec!(0.47000001));
}

#[test]
fn days_start_at_midnight_utc_and_fills_fall_in_their_windows() {
    let midnight = 20_000 * DAY_MS;
    assert_eq!(day_start(midnight), midnight);
    assert_eq!(day_start(midnight - 1), midnight - DAY_MS);
    assert_eq!(day_start(midnight + DAY_MS - 1), midnight);
    assert_eq!(day_start(-1), -DAY_MS);
    let now = midnight + 3_600_000;
    let starts = (day_start(now), week_start(now));
    assert_eq!(starts.1, now - 7 * DAY_MS);
    let mut w = Windows::default();
    w.add_fill(midnight, dec!(10), dec!(0.01), starts);
    w.add_fill(midnight - 1, dec!(20), dec!(-0.02), starts);
    w.add_fill(starts.1, dec!(40), dec!(0.04), starts);
    w.add_fill(starts.1 - 1, dec!(80), dec!(0.08), starts);
    assert_eq!((w.today.volume, w.today.fees), (dec!(10), dec!(0.01)));
    assert_eq!((w.days_7.volume, w.days_7.fees), (dec!(70), dec!(0.03)));
    assert_eq!(
        (w.since_start.volume, w.since_start.fees),
        (dec!(150), dec!(0.11))
    );
    let mut sum = Windows::default();
    sum.add(&w);
    sum.add(&w);
    sum.normalize();
    assert_eq!(sum.days_7.volume, dec!(140));
}
