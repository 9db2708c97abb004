//! The PnL chart: an SVG polyline computed here from the stored history. Only numbers reach
//! the template, so there is nothing to escape and no script involved.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

pub const WIDTH: f64 = 640.0;
pub const HEIGHT: f64 = 160.0;

/// What templates/bot_detail.html draws.
#[derive(Debug, Clone, Default)]
pub struct Chart {
    /// `x,y x,y ...` in SVG coordinates; empty when there is nothing to draw.
    pub points: String,
    /// y of the zero line, when zero is within the range.
    pub zero_y: Option<String>,
    pub min: String,
    pub max: String,
    pub last: String,
    pub count: usize,
}

impl Chart {
    /// `history`: (ts_ms, pnl) oldest first.
    pub fn from_points(history: &[(i64, String)]) -> Self {
        let values: Vec<(i64, Decimal)> = history
            .iter()
            .filter_map(|(t, p)| p.parse::<Decimal>().ok().map(|d| (*t, d)))
            .collect();
        let (Some(first), Some(last)) = (values.first(), values.last()) else {
            return Self::default();
        };
        let min = values.iter().map(|v| v.1).min().unwrap_or_default();
        let max = values.iter().map(|v| v.1).max().unwrap_or_default();
        let lo = min.min(Decimal::ZERO).to_f64().unwrap_or(0.0);
        let hi = max.max(Decimal::ZERO).to_f64().unwrap_or(0.0);
        let span_y = if hi > lo { hi - lo } else { 1.0 };
        #[allow(clippy::cast_precision_loss)] // milliseconds as plot coordinates
        let span_x = ((last.0 - first.0).max(1)) as f64;
        let y = |v: f64| HEIGHT - (v - lo) / span_y * HEIGHT;
        let points = values
            .iter()
            .map(|(t, v)| {
                #[allow(clippy::cast_precision_loss)]
                let x = (t - first.0) as f64 / span_x * WIDTH;
                format!("{x:.1},{:.1}", y(v.to_f64().unwrap_or(0.0)))
            })
            .collect::<Vec<_>>()
            .join(" ");
        Self {
            points,
            zero_y: (lo < 0.0 && hi > 0.0).then(|| format!("{:.1}", y(0.0))),
            min: min.normalize().to_string(),
            max: max.normalize().to_string(),
            last: last.1.normalize().to_string(),
            count: values.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_span_the_box_and_zero_is_marked() {
        let h = vec![(0, "-1".into()), (500, "0.5".into()), (1000, "1".into())];
        let c = Chart::from_points(&h);
        assert_eq!(c.points, "0.0,160.0 320.0,40.0 640.0,0.0");
        assert_eq!(c.zero_y.as_deref(), Some("80.0"));
        assert_eq!(
            (c.min.as_str(), c.max.as_str(), c.last.as_str()),
            ("-1", "1", "1")
        );
    }

    #[test]
    fn nothing_to_draw_is_empty_and_junk_is_skipped() {
        assert!(Chart::from_points(&[]).points.is_empty());
        let c = Chart::from_points(&[(5, "x".into()), (6, "2".into())]);
        assert_eq!(c.count, 1);
        assert_eq!(c.points, "0.0,0.0");
    }
}
