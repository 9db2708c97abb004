use super::*;

#[test]
fn durations_read_like_people_write_them() {
    assert_eq!(human_duration(12_000), "12s");
    assert_eq!(human_duration(250_000), "4m 10s");
    assert_eq!(human_duration(7_500_000), "2h 5m");
    assert_eq!(human_duration(3 * 86_400_000 + 4 * 3_600_000), "3d 4h");
    assert_eq!(human_duration(-5), "0s");
}
