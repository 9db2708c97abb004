//! The stuck-bot guard: orders refused again and again for the same reason (an order size the
//! venue never accepts, a balance that is not there) mean the bot cannot trade, however long it
//! runs. Refusals count in a row; an accepted order or a different reason starts over.
//!
//! "The same reason" ignores the numbers in it: `notional 0.499 is below the market minimum 1`
//! and `notional 0.501 is below ...` are one reason, as the price moves between attempts.

/// A run of refusals with the same reason.
#[derive(Debug, Default)]
pub struct Streak {
    kind: String,
    count: u32,
}

impl Streak {
    /// Counts a refusal; returns how many in a row had this reason, this one included.
    pub fn refused(&mut self, reason: &str) -> u32 {
        let kind = kind_of(reason);
        if kind == self.kind {
            self.count = self.count.saturating_add(1);
        } else {
            self.kind = kind;
            self.count = 1;
        }
        self.count
    }

    /// An accepted order: the bot can trade, the run is broken.
    pub fn accepted(&mut self) {
        self.kind.clear();
        self.count = 0;
    }
}

/// A reason with every number (digits, signs, points) folded into `#`.
fn kind_of(reason: &str) -> String {
    let mut out = String::with_capacity(reason.len());
    let mut in_number = false;
    for c in reason.chars() {
        let numeric = c.is_ascii_digit() || (in_number && c == '.');
        if numeric {
            if !in_number {
                out.push('#');
            }
        } else {
            out.push(c);
        }
        in_number = numeric;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_folded_and_words_kept() {
        assert_eq!(
            kind_of("notional 0.4995 is below the market minimum 1"),
            "notional # is below the market minimum #"
        );
        assert_eq!(
            kind_of("need 12.5, have 3."),
            "need #, have #",
            "a point after a number is part of it"
        );
        assert_eq!(kind_of("v1.2.3"), "v#");
        assert_eq!(kind_of(""), "");
    }

    #[test]
    fn a_run_counts_one_reason_and_restarts_on_another_or_on_an_accept() {
        let mut s = Streak::default();
        assert_eq!(s.refused("below minimum 0.5"), 1);
        assert_eq!(s.refused("below minimum 0.49"), 2);
        assert_eq!(s.refused("insufficient balance"), 1);
        assert_eq!(s.refused("insufficient balance"), 2);
        s.accepted();
        assert_eq!(s.refused("insufficient balance"), 1);
        s.accepted();
        assert_eq!(s.refused(""), 1, "an empty reason is a reason too");
        assert_eq!(s.refused(""), 2);
    }
}
