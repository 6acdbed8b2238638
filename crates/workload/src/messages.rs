//! The consumed messages: realistic JSON events, deterministic for a seed.

/// xorshift64*: deterministic and dependency-free for a few numbers a message.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in 0..1.
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

/// How many messages a batch holds when batches vary as real ones do:
/// around `median`, skewed (a log-normal spread), and now and then a batch
/// several times larger (a backlog after an outage).
pub fn batch_size(rng: &mut Rng, median: u32) -> u32 {
    // Box–Muller: a standard normal from two uniform numbers.
    let (u1, u2) = (rng.unit().max(f64::MIN_POSITIVE), rng.unit());
    let normal = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
    let mut factor = (0.45 * normal).exp();
    if rng.unit() < 0.15 {
        factor *= 4.0;
    }
    let median = f64::from(median);
    (median * factor)
        .clamp(median / 5.0, median * 10.0)
        .max(1.0) as u32
}

const KINDS: [&str; 6] = [
    "page_view",
    "search",
    "add_to_cart",
    "checkout",
    "login",
    "refund",
];
const COUNTRIES: [&str; 6] = ["DE", "FR", "US", "BR", "JP", "IN"];
const AGENTS: [&str; 3] = [
    "Mozilla/5.0 (X11; Linux x86_64) Firefox/131.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1.15",
    "okhttp/4.12.0",
];

/// One event as a JSON line (without the newline).
pub fn message(rng: &mut Rng, batch: u32, offset: u32) -> String {
    let kind = rng.pick(&KINDS);
    serde_json::json!({
        "event_id": format!("{:016x}{:016x}", rng.next(), rng.next()),
        "partition": batch % 12,
        "offset": u64::from(batch) * 1_000_000 + u64::from(offset),
        "ts": 1_741_570_000_000u64 + u64::from(batch) * 60_000 + u64::from(offset) * 3,
        "type": kind,
        "user_id": rng.next() % 250_000,
        "session": format!("{:08x}", rng.next() as u32),
        "country": rng.pick(&COUNTRIES),
        "amount_cents": if kind == "checkout" { rng.next() % 50_000 } else { 0 },
        "user_agent": rng.pick(&AGENTS),
        "path": format!("/catalog/{}/item/{}", rng.next() % 40, rng.next() % 9_000),
    })
    .to_string()
}

#[cfg(test)]
mod batch_size_tests {
    use super::*;

    #[test]
    fn batch_sizes_vary_skewed_around_the_median_with_now_and_then_a_big_one() {
        let mut rng = Rng::new(7);
        let mut sizes: Vec<u32> = (0..1000).map(|_| batch_size(&mut rng, 1000)).collect();
        sizes.sort_unstable();
        let median = sizes[500];
        assert!((900..=1300).contains(&median), "median {median}");
        // Skewed: the mean is above the median; a tenth are backlogs.
        let mean = sizes.iter().map(|&s| f64::from(s)).sum::<f64>() / 1000.0;
        assert!(
            mean > f64::from(median) * 1.2,
            "mean {mean}, median {median}"
        );
        let big = sizes.iter().filter(|&&s| s >= 3000).count();
        assert!((50..=250).contains(&big), "{big} big batches");
        assert!(sizes[0] >= 200 && sizes[999] <= 10_000);
        // The same seed draws the same sizes.
        let mut again = Rng::new(7);
        assert_eq!(
            batch_size(&mut again, 1000),
            batch_size(&mut Rng::new(7), 1000)
        );
    }
}
