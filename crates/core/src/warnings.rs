//! Warnings grouped by kind, so that one real problem is not buried under
//! hundreds of the same: "378 alike: first 5 listed".

/// Warnings of one kind, in the order the first of them was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WarningGroup<'a> {
    /// How many warnings are of this kind.
    pub count: usize,
    /// The first of them, at most as many as asked for.
    pub listed: Vec<&'a str>,
}

/// Groups `warnings` ([`crate::Warning`]s or their text) by kind (the same sentence with other ids, names,
/// numbers or quoted text), keeping at most `listed` of each.
pub fn grouped<W: AsRef<str>>(warnings: &[W], listed: usize) -> Vec<WarningGroup<'_>> {
    let mut kinds: Vec<String> = Vec::new();
    let mut groups: Vec<WarningGroup<'_>> = Vec::new();
    for warning in warnings {
        let message = warning.as_ref();
        let kind = kind_of(message);
        let at = match kinds.iter().position(|k| *k == kind) {
            Some(at) => at,
            None => {
                kinds.push(kind);
                groups.push(WarningGroup {
                    count: 0,
                    listed: Vec::new(),
                });
                groups.len() - 1
            }
        };
        let group = &mut groups[at];
        group.count += 1;
        if group.listed.len() < listed {
            group.listed.push(message);
        }
    }
    groups
}

/// The sentence with what varies from one warning of a kind to the next
/// (numbers and hex ids, quoted text, names in parentheses) left out.
fn kind_of(message: &str) -> String {
    let mut kind = String::with_capacity(message.len());
    let mut chars = message.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                for c in chars.by_ref() {
                    if c == '"' {
                        break;
                    }
                }
                kind.push('"');
            }
            '(' => {
                let mut depth = 1;
                for c in chars.by_ref() {
                    match c {
                        '(' => depth += 1,
                        ')' if depth == 1 => break,
                        ')' => depth -= 1,
                        _ => {}
                    }
                }
                kind.push('(');
            }
            c if c.is_ascii_hexdigit() => {
                // A word of digits and hex letters holding a digit is an id
                // or a number; other words (with a-f in them) are words.
                let mut word = String::from(c);
                while let Some(&next) = chars.peek() {
                    if !next.is_ascii_alphanumeric() {
                        break;
                    }
                    word.push(next);
                    chars.next();
                }
                match word.chars().all(|c| c.is_ascii_hexdigit())
                    && word.chars().any(|c| c.is_ascii_digit())
                {
                    true => kind.push('#'),
                    false => kind.push_str(&word),
                }
            }
            c => kind.push(c),
        }
    }
    kind
}

#[cfg(test)]
mod tests {
    use super::grouped;
    use crate::model::Warning;

    fn warnings(messages: &[String]) -> Vec<Warning> {
        messages
            .iter()
            .map(|m| Warning { message: m.clone() })
            .collect()
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
}
