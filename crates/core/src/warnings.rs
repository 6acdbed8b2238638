//! Warnings grouped by kind, so that one real problem is not buried under
//! hundreds of the same: "378 alike: first 5 listed"; and kept by kind as
//! a load finds them, so that a million of one kind cost a hundred
//! messages and a count.

use rustc_hash::FxHashMap;
use std::ops::Deref;

use crate::model::Warning;

/// Warnings of one kind a load keeps whole; the rest of that kind are
/// counted on the last one kept ([`Warning::also`]).
pub const KEPT_OF_A_KIND: usize = 100;

/// Kinds a load tells apart; warnings of kinds past these are kept and
/// counted as one kind more (what varies in a sentence is left out of its
/// kind, so only a sentence that carries input text unquoted makes many).
const KINDS: usize = 1_000;

/// Warnings of one kind, in the order the first of them was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WarningGroup<'a> {
    /// How many warnings are of this kind, those only counted too.
    pub count: usize,
    /// The first of them, at most as many as asked for.
    pub listed: Vec<&'a str>,
}

/// Groups `warnings` by kind (the same sentence with other ids, names,
/// numbers or quoted text), keeping at most `listed` of each.
pub fn grouped(warnings: &[Warning], listed: usize) -> Vec<WarningGroup<'_>> {
    let mut kinds: FxHashMap<String, usize> = FxHashMap::default();
    let mut groups: Vec<WarningGroup<'_>> = Vec::new();
    let mut kind = String::new();
    for warning in warnings {
        kind.clear();
        kind_into(&warning.message, &mut kind);
        let at = match kinds.get(kind.as_str()) {
            Some(&at) => at,
            None => {
                kinds.insert(kind.clone(), groups.len());
                groups.push(WarningGroup {
                    count: 0,
                    listed: Vec::new(),
                });
                groups.len() - 1
            }
        };
        let group = &mut groups[at];
        group.count += 1 + warning.also;
        if group.listed.len() < listed {
            group.listed.push(&warning.message);
        }
    }
    groups
}

/// Warnings as a load finds them: each kind's first [`KEPT_OF_A_KIND`]
/// kept, the rest counted. A reader that may take back what it added
/// notes where it began ([`Warnings::checkpoint`]).
#[derive(Clone, Debug, Default)]
pub struct Warnings {
    kept: Vec<Warning>,
    /// Each kind's warnings kept so far, and where the last of them is.
    kinds: FxHashMap<String, Kept>,
    /// Kinds past [`KINDS`], as one.
    others: Option<Kept>,
    /// Where the last kept warning of each full kind is: the only
    /// warnings whose count of others goes up.
    full: Vec<u32>,
    /// The kind of the warning being added (its buffer, reused).
    kind: String,
    /// Where warnings of a place in the code ([`Warnings::push_from`])
    /// are counted once their kind is full.
    places: FxHashMap<&'static str, u32>,
}

#[derive(Clone, Copy, Debug)]
struct Kept {
    count: u32,
    last: u32,
}

/// Where [`Warnings::back_to`] takes warnings back to: how many were kept
/// and what the full kinds had counted.
#[derive(Clone, Debug, Default)]
pub(crate) struct Checkpoint {
    kept: usize,
    counted: Vec<(u32, usize)>,
}

impl Warnings {
    /// Adds a warning saying `message`: kept, or counted if its kind has
    /// [`KEPT_OF_A_KIND`] kept.
    pub fn push(&mut self, message: String) {
        self.add(message);
    }

    /// Adds the warning `message` writes, found at `place` (a name for a
    /// place in the code that may find millions, one a span): once the
    /// kind of that place's warnings is full, the rest are counted
    /// without being written (written and kept apart, a million cost a
    /// second in the browser).
    pub(crate) fn push_from(&mut self, place: &'static str, message: impl FnOnce() -> String) {
        if let Some(&last) = self.places.get(place) {
            self.kept[last as usize].also += 1;
            return;
        }
        if let Some(full) = self.add(message()) {
            self.places.insert(place, full);
        }
    }

    /// [`Warnings::push`]; where its kind's last kept warning is if that
    /// kind is full.
    fn add(&mut self, message: String) -> Option<u32> {
        self.kind.clear();
        kind_into(&message, &mut self.kind);
        let at = self.kept.len() as u32;
        if self.kinds.len() < KINDS && !self.kinds.contains_key(self.kind.as_str()) {
            let new = Kept { count: 0, last: at };
            self.kinds.insert(self.kind.clone(), new);
        }
        let kept = match self.kinds.get_mut(self.kind.as_str()) {
            Some(kept) => kept,
            None => self.others.get_or_insert(Kept { count: 0, last: at }),
        };
        if kept.count as usize == KEPT_OF_A_KIND {
            let last = kept.last;
            self.kept[last as usize].also += 1;
            return Some(last);
        }
        kept.count += 1;
        kept.last = at;
        let full = kept.count as usize == KEPT_OF_A_KIND;
        if full {
            self.full.push(at);
        }
        self.kept.push(Warning::new(message));
        full.then_some(at)
    }

    /// Where the warnings are now, to come back to.
    pub(crate) fn checkpoint(&self) -> Checkpoint {
        let mut checkpoint = Checkpoint::default();
        self.checkpoint_into(&mut checkpoint);
        checkpoint
    }

    /// [`Warnings::checkpoint`] into one made before (a reader that
    /// checkpoints at every span reuses its memory).
    pub(crate) fn checkpoint_into(&self, checkpoint: &mut Checkpoint) {
        checkpoint.kept = self.kept.len();
        checkpoint.counted.clear();
        checkpoint
            .counted
            .extend(self.full.iter().map(|&i| (i, self.kept[i as usize].also)));
    }

    /// Takes back the warnings added since `checkpoint`, kept or counted.
    pub(crate) fn back_to(&mut self, checkpoint: &Checkpoint) {
        for &(index, also) in &checkpoint.counted {
            self.kept[index as usize].also = also;
        }
        if self.kept.len() <= checkpoint.kept {
            return;
        }
        let kept_len = checkpoint.kept as u32;
        self.places.retain(|_, last| *last < kept_len);
        // The kinds counted again from what is left (a hundred of each at
        // most); a kind full since the checkpoint counted on a warning now
        // gone.
        let kept = std::mem::take(&mut self.kept);
        self.kinds.clear();
        self.others = None;
        self.full.clear();
        for warning in kept.into_iter().take(checkpoint.kept) {
            let also = warning.also;
            self.push(warning.message);
            if let Some(last) = self.kept.last_mut() {
                last.also = also;
            }
        }
    }

    /// The warnings kept from the `from`th on, to place them better.
    pub(crate) fn kept_from_mut(&mut self, from: usize) -> &mut [Warning] {
        &mut self.kept[from..]
    }

    /// The warnings kept, in the order they were found.
    pub fn into_vec(self) -> Vec<Warning> {
        self.kept
    }
}

impl Deref for Warnings {
    type Target = [Warning];

    fn deref(&self) -> &[Warning] {
        &self.kept
    }
}

/// The sentence with what varies from one warning of a kind to the next
/// (numbers and hex ids, quoted text, names in parentheses) left out.
fn kind_into(message: &str, kind: &mut String) {
    let bytes = message.as_bytes();
    // What is copied as it is runs from `run` to `at` (a run ends only at
    // ASCII, so on a character boundary).
    let (mut run, mut at) = (0, 0);
    while at < bytes.len() {
        match bytes[at] {
            b'"' => {
                kind.push_str(&message[run..at]);
                kind.push('"');
                at = bytes[at + 1..]
                    .iter()
                    .position(|&b| b == b'"')
                    .map_or(bytes.len(), |end| at + 1 + end + 1);
                run = at;
            }
            b'(' => {
                kind.push_str(&message[run..at]);
                kind.push('(');
                let mut depth = 1;
                at += 1;
                while at < bytes.len() {
                    match bytes[at] {
                        b'(' => depth += 1,
                        b')' if depth == 1 => break,
                        b')' => depth -= 1,
                        _ => {}
                    }
                    at += 1;
                }
                at = (at + 1).min(bytes.len());
                run = at;
            }
            b if b.is_ascii_hexdigit() => {
                // A word of digits and hex letters holding a digit is an id
                // or a number; other words (with a-f in them) are words.
                let end = bytes[at..]
                    .iter()
                    .position(|b| !b.is_ascii_alphanumeric())
                    .map_or(bytes.len(), |len| at + len);
                let word = &bytes[at..end];
                if word.iter().all(u8::is_ascii_hexdigit) && word.iter().any(u8::is_ascii_digit) {
                    kind.push_str(&message[run..at]);
                    kind.push('#');
                    run = end;
                }
                at = end;
            }
            _ => at += 1,
        }
    }
    kind.push_str(&message[run..]);
}

#[cfg(test)]
mod tests {
    use super::{grouped, Warnings, KEPT_OF_A_KIND, KINDS};
    use crate::model::Warning;

    fn warnings(messages: &[String]) -> Vec<Warning> {
        messages.iter().map(|m| Warning::new(m.clone())).collect()
    }

    #[test]
    fn many_of_one_kind_become_one_group_with_the_first_listed() {
        let mut messages: Vec<String> = (0..378)
            .map(|i| {
                format!(
                    "trace 0af7651916cd43dd8448eb211c80319c: span id {i:016x} (get /a/{i}) is used \
                     by more than one span; children attach to the first"
                )
            })
            .collect();
        messages.insert(
            10,
            "line 12, column 3 (byte 400): \"soon\" is not an integer; reading resumed at line 13"
                .to_owned(),
        );
        let all = warnings(&messages);
        let groups = grouped(&all, 5);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].count, 378);
        assert_eq!(groups[0].listed.len(), 5);
        assert!(groups[0].listed[0].contains("0000000000000000"));
        assert_eq!(groups[1].count, 1);
        assert!(groups[1].listed[0].contains("soon"));
    }

    #[test]
    fn different_sentences_stay_apart() {
        let all = warnings(&[
            "trace 1: 3 span(s) name a parent that is not in the input".to_owned(),
            "trace 1 has 4 roots (a, b, c, …); each has its own critical path".to_owned(),
            "trace 2: 5 span(s) name a parent that is not in the input".to_owned(),
        ]);
        let counts: Vec<usize> = grouped(&all, 5).iter().map(|g| g.count).collect();
        assert_eq!(counts, [2, 1]);
    }

    fn backwards(i: usize) -> String {
        format!("span {i:016x} (GET /a) of trace 7 ends {i} ns before it starts")
    }

    fn push_backwards(log: &mut Warnings, spans: std::ops::Range<usize>) {
        spans.for_each(|i| log.push(backwards(i)));
    }

    fn push_backwards_from(log: &mut Warnings, spans: std::ops::Range<usize>) {
        spans.for_each(|i| log.push_from("backwards", || backwards(i)));
    }

    #[test]
    fn a_flood_of_one_kind_keeps_a_hundred_and_counts_the_rest() {
        let mut log = Warnings::default();
        push_backwards(&mut log, 0..10_000);
        log.push("line 3: \"x\" is not an integer".to_owned());
        assert_eq!(log.len(), KEPT_OF_A_KIND + 1);
        assert_eq!(log[KEPT_OF_A_KIND - 1].also, 10_000 - KEPT_OF_A_KIND);
        assert!(log[KEPT_OF_A_KIND - 1]
            .to_string()
            .ends_with("(and 9900 more like it, not kept)"));
        let groups = grouped(&log, 5);
        let counts: Vec<usize> = groups.iter().map(|g| g.count).collect();
        assert_eq!(counts, [10_000, 1]);
        assert!(groups[0].listed[0].starts_with("span 0000000000000000 "));
    }

    #[test]
    fn back_to_a_checkpoint_takes_back_the_kept_and_the_counted() {
        let mut log = Warnings::default();
        push_backwards(&mut log, 0..150);
        let checkpoint = log.checkpoint();
        push_backwards(&mut log, 150..180);
        log.push("a new kind".to_owned());
        log.back_to(&checkpoint);
        assert_eq!(log.len(), KEPT_OF_A_KIND);
        assert_eq!(log[KEPT_OF_A_KIND - 1].also, 50);
        // The kinds are as they were: the new one is kept again, the full
        // one counted.
        log.push("a new kind".to_owned());
        log.push(backwards(999));
        assert_eq!(log.len(), KEPT_OF_A_KIND + 1);
        assert_eq!(log[KEPT_OF_A_KIND - 1].also, 51);
    }

    #[test]
    fn back_to_before_a_kind_filled_up_forgets_its_count() {
        let mut log = Warnings::default();
        push_backwards(&mut log, 0..95);
        let checkpoint = log.checkpoint();
        push_backwards(&mut log, 95..120);
        log.back_to(&checkpoint);
        assert_eq!(log.len(), 95);
        assert!(log.iter().all(|w| w.also == 0));
        push_backwards(&mut log, 95..110);
        assert_eq!(log.len(), KEPT_OF_A_KIND);
        assert_eq!(log[KEPT_OF_A_KIND - 1].also, 10);
    }

    #[test]
    fn kinds_past_a_thousand_are_kept_as_one() {
        let mut log = Warnings::default();
        // Unquoted words of letters make a kind each.
        let word = |i: usize| -> String {
            let letters: String = format!("{i:04}")
                .bytes()
                .map(|b| (b - b'0' + b'k') as char)
                .collect();
            format!("key {letters} is odd")
        };
        for i in 0..KINDS + 500 {
            log.push(word(i));
        }
        assert_eq!(log.len(), KINDS + KEPT_OF_A_KIND);
        assert_eq!(log[KINDS + KEPT_OF_A_KIND - 1].also, 400);
    }

    #[test]
    fn a_place_whose_kind_is_full_counts_without_writing() {
        let mut log = Warnings::default();
        let mut written = 0;
        for i in 0..1_000 {
            log.push_from("backwards", || {
                written += 1;
                backwards(i)
            });
        }
        assert_eq!(written, KEPT_OF_A_KIND);
        assert_eq!(log.len(), KEPT_OF_A_KIND);
        assert_eq!(log[KEPT_OF_A_KIND - 1].also, 900);
        // The same kind pushed from elsewhere counts on the same warning.
        log.push(backwards(5_000));
        assert_eq!(log[KEPT_OF_A_KIND - 1].also, 901);
        // Taken back to before the kind was full, the place writes again.
        let mut log = Warnings::default();
        push_backwards_from(&mut log, 0..50);
        let checkpoint = log.checkpoint();
        push_backwards_from(&mut log, 50..300);
        log.back_to(&checkpoint);
        assert_eq!(log.len(), 50);
        push_backwards_from(&mut log, 50..120);
        assert_eq!(log.len(), KEPT_OF_A_KIND);
        assert_eq!(log[KEPT_OF_A_KIND - 1].also, 20);
        assert!(log[..50].iter().all(|w| w.also == 0));
    }
}
