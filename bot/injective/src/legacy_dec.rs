//! Decimal encodings. Three formats meet in this connector and mixing them is the classic bug:
//!
//! * **human**: what exchange v2 messages and LCD JSON carry (`"0.001000000000000000"`).
//! * **wire**: cosmos `LegacyDec` on the protobuf wire, an integer string of value x 10^18.
//! * **indexer chain format**: legacy v1 scaling by token decimals (see [`ChainFormat`]).
//!
//! Every conversion is exact or fails; rust_decimal everywhere, never floats.

use std::str::FromStr;

use rust_decimal::Decimal;

/// LegacyDec has 18 fractional digits.
pub const PRECISION: u32 = 18;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecError {
    #[error("value has more than 18 decimal places and cannot be a LegacyDec")]
    TooPrecise,
    #[error("not a decimal number: {0:?}")]
    Malformed(String),
    #[error("number out of range")]
    Overflow,
}

/// Human decimal -> protobuf wire string (value x 10^18, no decimal point).
pub fn to_wire(value: Decimal) -> Result<String, DecError> {
    let value = value.normalize();
    if value.scale() > PRECISION {
        return Err(DecError::TooPrecise);
    }
    let mantissa = value.mantissa();
    if mantissa == 0 {
        return Ok("0".to_owned());
    }
    let zeros = (PRECISION - value.scale()) as usize;
    Ok(format!("{mantissa}{}", "0".repeat(zeros)))
}

/// Protobuf wire string (value x 10^18) -> human decimal.
pub fn from_wire(text: &str) -> Result<Decimal, DecError> {
    let (negative, digits) = split_sign(text.trim());
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DecError::Malformed(text.to_owned()));
    }
    let p = PRECISION as usize;
    let padded = format!("{digits:0>width$}", width = p + 1);
    let (int_part, frac_part) = padded.split_at(padded.len() - p);
    from_parts(negative, int_part, frac_part, text)
}

/// Human decimal string (LCD JSON, any number of fractional digits) -> decimal. Digits beyond
/// what rust_decimal holds (28-29 significant) are truncated toward zero; that only happens on
/// dust-sized tails of huge balances.
pub fn from_human(text: &str) -> Result<Decimal, DecError> {
    let (negative, body) = split_sign(text.trim());
    let (int_part, frac_part) = body.split_once('.').unwrap_or((body, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int_part.is_empty() || !all_digits(int_part) || !all_digits(frac_part) {
        return Err(DecError::Malformed(text.to_owned()));
    }
    from_parts(negative, int_part, frac_part, text)
}

/// A LegacyDec as it appears in chain JSON of unknown provenance: LCD JSON always prints a
/// decimal point (human), while gRPC/python renderings print the raw x10^18 integer.
pub fn from_chain_json(text: &str) -> Result<Decimal, DecError> {
    if text.contains('.') {
        from_human(text)
    } else {
        from_wire(text)
    }
}

fn split_sign(text: &str) -> (bool, &str) {
    match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    }
}

fn from_parts(
    negative: bool,
    int_part: &str,
    frac_part: &str,
    original: &str,
) -> Result<Decimal, DecError> {
    let int_part = int_part.trim_start_matches('0');
    let mut frac = frac_part.trim_end_matches('0');
    // rust_decimal holds 28 significant digits safely; drop the least significant fraction digits.
    while int_part.len() + frac.len() > 28 && !frac.is_empty() {
        frac = &frac[..frac.len() - 1];
    }
    if int_part.len() > 28 {
        return Err(DecError::Overflow);
    }
    let int_part = if int_part.is_empty() { "0" } else { int_part };
    let sign = if negative { "-" } else { "" };
    let text = if frac.is_empty() {
        format!("{sign}{int_part}")
    } else {
        format!("{sign}{int_part}.{frac}")
    };
    Decimal::from_str_exact(&text)
        .map(|d| d.normalize())
        .map_err(|_| DecError::Malformed(original.to_owned()))
}

/// value x 10^exp, exact or an error.
pub fn shift(value: Decimal, exp: i32) -> Result<Decimal, DecError> {
    let mut out = value;
    let ten = Decimal::TEN;
    // By the sign, not `exp > 0`: at exp = 0 the loop never runs, so a comparison would have an
    // untestable boundary.
    for _ in 0..exp.unsigned_abs() {
        out = match exp.signum() {
            1 => out.checked_mul(ten),
            _ => out.checked_div(ten),
        }
        .ok_or(DecError::Overflow)?;
    }
    Ok(out.normalize())
}

/// Converts the indexer's legacy "chain format" values to human ones.
///
/// Spot: price x 10^(quote_dec - base_dec), quantity x 10^base_dec. Derivative: price and margin
/// x 10^quote_dec, quantity human.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainFormat {
    Spot {
        base_decimals: u32,
        quote_decimals: u32,
    },
    Derivative {
        quote_decimals: u32,
    },
}

impl ChainFormat {
    pub fn price(self, text: &str) -> Result<Decimal, DecError> {
        let raw = from_human(text)?;
        match self {
            Self::Spot {
                base_decimals,
                quote_decimals,
            } => shift(raw, base_decimals as i32 - quote_decimals as i32),
            Self::Derivative { quote_decimals } => shift(raw, -(quote_decimals as i32)),
        }
    }

    pub fn quantity(self, text: &str) -> Result<Decimal, DecError> {
        let raw = from_human(text)?;
        match self {
            Self::Spot { base_decimals, .. } => shift(raw, -(base_decimals as i32)),
            Self::Derivative { .. } => Ok(raw.normalize()),
        }
    }

    /// Quote-denominated amounts (derivative margin, fees): x 10^quote_dec.
    pub fn quote_amount(self, text: &str) -> Result<Decimal, DecError> {
        let raw = from_human(text)?;
        let q = match self {
            Self::Spot { quote_decimals, .. } | Self::Derivative { quote_decimals } => {
                quote_decimals
            }
        };
        shift(raw, -(q as i32))
    }
}

/// Parses a plain human decimal for configuration and CLI input.
pub fn parse_decimal(text: &str) -> Result<Decimal, DecError> {
    Decimal::from_str(text.trim()).map_err(|_| DecError::Malformed(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn wire_round_trips() {
        for s in [
            "0",
            "1",
            "0.000000000000000001",
            "-2.5",
            "123456789.123456789",
            "79228162514",
        ] {
            let w = to_wire(d(s)).unwrap();
            assert_eq!(from_wire(&w).unwrap(), d(s).normalize(), "{s} -> {w}");
        }
        assert_eq!(
            to_wire(d("0.0000000000000000001")),
            Err(DecError::TooPrecise)
        );
        assert!(from_wire("1.5").is_err());
        assert!(from_wire("").is_err());
    }

    #[test]
    fn huge_wire_values_truncate_dust_only() {
        let v = from_wire("324904824830342932031115126449").unwrap();
        assert_eq!(v.trunc(), d("324904824830"));
    }

    #[test]
    fn human_parsing() {
        assert_eq!(from_human("0.001000000000000000").unwrap(), d("0.001"));
        assert_eq!(from_human("-0.000100000000000000").unwrap(), d("-0.0001"));
        assert!(from_human("1e5").is_err());
        assert!(from_human(".5").is_err());
        assert_eq!(from_chain_json("1000000000000000").unwrap(), d("0.001"));
    }

    #[test]
    fn chain_format_conversions() {
        let spot = ChainFormat::Spot {
            base_decimals: 18,
            quote_decimals: 6,
        };
        assert_eq!(spot.price("0.000000000000001").unwrap(), d("0.001"));
        assert_eq!(spot.quantity("1000000000000000").unwrap(), d("0.001"));
        let perp = ChainFormat::Derivative { quote_decimals: 6 };
        assert_eq!(perp.price("1000").unwrap(), d("0.001"));
        assert_eq!(perp.quantity("0.1").unwrap(), d("0.1"));
    }

    #[test]
    fn exact_wire_strings() {
        assert_eq!(to_wire(Decimal::ZERO).unwrap(), "0");
        assert_eq!(to_wire(d("0.000")).unwrap(), "0");
        assert_eq!(to_wire(d("0.000000000000000001")).unwrap(), "1");
        assert_eq!(to_wire(d("-2.5")).unwrap(), "-2500000000000000000");
        assert_eq!(from_wire("-5").unwrap(), d("-0.000000000000000005"));
        assert_eq!(from_wire(" 1000000000000000000 ").unwrap(), Decimal::ONE);
        assert!(matches!(from_wire("-"), Err(DecError::Malformed(_))));
        assert!(matches!(from_wire("12a"), Err(DecError::Malformed(_))));
    }

    #[test]
    fn human_edges() {
        assert_eq!(from_human("000.500").unwrap(), d("0.5"));
        assert_eq!(from_human("1.").unwrap(), Decimal::ONE);
        assert_eq!(from_human("-0").unwrap(), Decimal::ZERO);
        assert!(from_human("-").is_err());
        assert!(from_human("1.2.3").is_err());
        assert!(from_human("1.-2").is_err());
        // rust_decimal's own parser takes `_` separators: only our digit checks refuse them.
        assert!(matches!(from_human("1.2_5"), Err(DecError::Malformed(_))));
        assert!(matches!(from_human("1_000.5"), Err(DecError::Malformed(_))));
        assert!(matches!(from_wire("1_000"), Err(DecError::Malformed(_))));
        assert_eq!(from_chain_json("1.5").unwrap(), d("1.5"));
        assert_eq!(from_chain_json("-1.5").unwrap(), d("-1.5"));
    }

    #[test]
    fn significant_digit_limits() {
        // 28 significant digits are kept whole; a 29th fractional digit is dropped.
        let whole = "1234567890123456789012345678";
        assert_eq!(from_human(whole).unwrap(), d(whole));
        assert_eq!(
            from_human("1.234567890123456789012345678").unwrap(),
            d("1.234567890123456789012345678")
        );
        assert_eq!(
            from_human("1.2345678901234567890123456789").unwrap(),
            d("1.234567890123456789012345678")
        );
        assert_eq!(
            from_human("12345678901234567890123456789"),
            Err(DecError::Overflow)
        );
    }

    #[test]
    fn shifts_are_exact_both_ways() {
        assert_eq!(shift(d("1.5"), 3).unwrap(), d("1500"));
        assert_eq!(shift(d("1500"), -3).unwrap(), d("1.5"));
        assert_eq!(shift(d("7"), 0).unwrap(), d("7"));
        assert_eq!(shift(Decimal::MAX, 1), Err(DecError::Overflow));
    }

    #[test]
    fn quote_amounts_and_config_numbers() {
        let spot = ChainFormat::Spot {
            base_decimals: 18,
            quote_decimals: 6,
        };
        let tia = ChainFormat::Spot {
            base_decimals: 6,
            quote_decimals: 6,
        };
        let perp = ChainFormat::Derivative { quote_decimals: 6 };
        assert_eq!(spot.quote_amount("2500000").unwrap(), d("2.5"));
        assert_eq!(perp.quote_amount("2500000").unwrap(), d("2.5"));
        assert_eq!(tia.price("4.5").unwrap(), d("4.5"));
        assert_eq!(tia.quantity("1500000").unwrap(), d("1.5"));
        assert_eq!(perp.price("2500000").unwrap(), d("2.5"));
        assert_eq!(parse_decimal(" 1.25 ").unwrap(), d("1.25"));
        assert!(matches!(parse_decimal("x"), Err(DecError::Malformed(_))));
    }
}
