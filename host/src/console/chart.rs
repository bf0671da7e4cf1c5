//! A plugin's last hours as a small inline SVG: a bar per hour (firings, with failures and
//! invalid actions stacked on them) and a line for the median time. No script, no CDN; the
//! totals are in the SVG's title for screen readers.

use maud::{Markup, html};
use serde_json::Value;

const WIDTH: f64 = 480.0;
const HEIGHT: f64 = 120.0;
const TOP: f64 = 8.0;

/// `hours` as `/api/v2/plugins/{id}/activity` answers them.
pub fn activity(hours: &[Value]) -> Markup {
    let count = |hour: &Value, key: &str| hour[key].as_i64().unwrap_or(0);
    let totals = |key: &str| hours.iter().map(|hour| count(hour, key)).sum::<i64>();
    let (fired, invalid, failed) = (totals("fired"), totals("invalid_actions"), totals("failed"));
    let mut medians: Vec<i64> = hours
        .iter()
        .filter_map(|hour| hour["median_elapsed_us"].as_i64())
        .collect();
    medians.sort_unstable();
    let typical = medians.get(medians.len() / 2).copied();
    let busiest = hours
        .iter()
        .map(|hour| count(hour, "fired") + count(hour, "invalid_actions") + count(hour, "failed"))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let slowest = medians.last().copied().unwrap_or(1).max(1) as f64;
    let slot = WIDTH / hours.len().max(1) as f64;
    let plot = HEIGHT - TOP;
    let summary = format!(
        "Last {} hours: {fired} firings, {invalid} with invalid actions, {failed} failures{}",
        hours.len(),
        typical
            .map(|us| format!(", typical median time {us} µs"))
            .unwrap_or_default()
    );
    let line: Vec<String> = hours
        .iter()
        .enumerate()
        .filter_map(|(index, hour)| {
            let median = hour["median_elapsed_us"].as_i64()? as f64;
            let x = slot * (index as f64 + 0.5);
            let y = HEIGHT - plot * median / slowest;
            Some(format!("{x:.1},{y:.1}"))
        })
        .collect();
    html! {
        figure class="chart" {
            svg viewBox={"0 0 " (WIDTH) " " (HEIGHT)} role="img" aria-label=(summary) preserveAspectRatio="none" {
                title { (summary) }
                @for (index, hour) in hours.iter().enumerate() {
                    @let x = slot * index as f64 + 1.0;
                    @let w = (slot - 2.0).max(1.0);
                    @let ok = count(hour, "fired") as f64;
                    @let bad = (count(hour, "failed") + count(hour, "invalid_actions")) as f64;
                    @let ok_height = plot * ok / busiest;
                    @let bad_height = plot * bad / busiest;
                    @if ok > 0.0 {
                        rect class="fired" x=(format!("{x:.1}")) y=(format!("{:.1}", HEIGHT - ok_height)) width=(format!("{w:.1}")) height=(format!("{ok_height:.1}")) {}
                    }
                    @if bad > 0.0 {
                        rect class="failed" x=(format!("{x:.1}")) y=(format!("{:.1}", HEIGHT - ok_height - bad_height)) width=(format!("{w:.1}")) height=(format!("{bad_height:.1}")) {}
                    }
                }
                @if line.len() > 1 {
                    polyline class="median" points=(line.join(" ")) {}
                }
            }
            figcaption { (summary) ". Bars: firings (blue), failures and invalid actions (red); line: median time per hour." }
        }
    }
}
