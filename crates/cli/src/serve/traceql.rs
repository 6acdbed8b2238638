//! The part of TraceQL `tracelens serve` answers: spanset filters
//! `{ … }` on `name`, `status`, `duration`, `kind` and `resource.`,
//! `span.` or unscoped (`.`) attributes, compared with `= != > >= < <=
//! =~ !~` (regular expressions fully anchored, as in Tempo), conditions
//! joined by `&&` and `||` (with parentheses) inside a spanset, spansets
//! joined by `&&` and `||`. Anything else is refused with a message that
//! says what is supported, at which column.

use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::trace::v1::Span;
use regex::Regex;

/// What the server supports, for every refusal.
pub const SUPPORTED: &str = "tracelens serve answers TraceQL spanset filters: \
    { name|status|duration|kind|resource.KEY|span.KEY|.KEY  = != > >= < <= =~ !~  value } \
    joined by && and || inside and between the braces";

/// A parsed query: spansets joined by `&&` / `||`.
#[derive(Debug)]
pub enum Query {
    Spanset(Condition),
    And(Box<Query>, Box<Query>),
    Or(Box<Query>, Box<Query>),
}

/// What one span must satisfy.
#[derive(Debug)]
pub enum Condition {
    Always,
    Compare(Field, Op, Literal),
    And(Box<Condition>, Box<Condition>),
    Or(Box<Condition>, Box<Condition>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    Name,
    Status,
    Duration,
    Kind,
    Resource(String),
    Span(String),
    /// `.key`: the span's attribute, else its resource's.
    Either(String),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    Match,
    NotMatch,
}

#[derive(Debug)]
pub enum Literal {
    Text(String),
    Number(f64),
    /// Nanoseconds.
    Duration(u64),
    Bool(bool),
    /// `error`, `ok`, `unset` as OTLP's status codes (2, 1, 0).
    Status(i32),
    /// `server`, `client`, … as OTLP's span kinds.
    Kind(i32),
    Pattern(Regex),
}

/// One span with its resource's attributes, as a condition reads it.
pub struct SpanView<'a> {
    pub span: &'a Span,
    pub resource: &'a [KeyValue],
}

impl Query {
    /// The spans (indices into `spans`) that make the trace match, or
    /// `None` when it does not.
    pub fn matches(&self, spans: &[SpanView]) -> Option<Vec<usize>> {
        match self {
            Query::Spanset(condition) => {
                let found: Vec<usize> = (0..spans.len())
                    .filter(|&i| condition.holds(&spans[i]))
                    .collect();
                (!found.is_empty()).then_some(found)
            }
            Query::And(a, b) => {
                let mut found = a.matches(spans)?;
                found.extend(b.matches(spans)?);
                found.sort_unstable();
                found.dedup();
                Some(found)
            }
            Query::Or(a, b) => match (a.matches(spans), b.matches(spans)) {
                (None, None) => None,
                (Some(x), None) | (None, Some(x)) => Some(x),
                (Some(mut x), Some(y)) => {
                    x.extend(y);
                    x.sort_unstable();
                    x.dedup();
                    Some(x)
                }
            },
        }
    }

    /// True for `{ }`: every span of every trace.
    pub fn is_everything(&self) -> bool {
        matches!(self, Query::Spanset(Condition::Always))
    }
}

impl Condition {
    fn holds(&self, view: &SpanView) -> bool {
        match self {
            Condition::Always => true,
            Condition::And(a, b) => a.holds(view) && b.holds(view),
            Condition::Or(a, b) => a.holds(view) || b.holds(view),
            Condition::Compare(field, op, literal) => compare(field, *op, literal, view),
        }
    }
}

fn compare(field: &Field, op: Op, literal: &Literal, view: &SpanView) -> bool {
    let span = view.span;
    // Read where they are: every span of a trace is compared, and a copy
    // of each value compared cost an allocation a span.
    let value = match field {
        Field::Name => return text(op, literal, &span.name),
        Field::Duration => {
            let ns = span
                .end_time_unix_nano
                .saturating_sub(span.start_time_unix_nano);
            return match literal {
                Literal::Duration(d) => order(op, ns.cmp(d)),
                _ => false,
            };
        }
        Field::Status => {
            let code = span.status.as_ref().map_or(0, |s| s.code);
            return match literal {
                Literal::Status(s) => equality(op, code == *s),
                _ => false,
            };
        }
        Field::Kind => {
            return match literal {
                Literal::Kind(k) => equality(op, span.kind == *k),
                _ => false,
            }
        }
        Field::Resource(key) => attribute(key, view.resource),
        Field::Span(key) => attribute(key, &span.attributes),
        Field::Either(key) => {
            attribute(key, &span.attributes).or_else(|| attribute(key, view.resource))
        }
    };
    match (value, literal) {
        (None, _) => false,
        (Some(Value::StringValue(s)), _) => text(op, literal, s),
        (Some(Value::IntValue(i)), Literal::Number(n)) => number(op, *i as f64, *n),
        (Some(Value::DoubleValue(d)), Literal::Number(n)) => number(op, *d, *n),
        (Some(Value::BoolValue(b)), Literal::Bool(l)) => equality(op, b == l),
        _ => false,
    }
}

/// The value of attribute `key` in `list`, where it is.
fn attribute<'a>(key: &str, list: &'a [KeyValue]) -> Option<&'a Value> {
    list.iter()
        .find(|a| a.key == key)
        .and_then(|a| a.value.as_ref()?.value.as_ref())
}

/// A text compared with a text or matched by a pattern.
fn text(op: Op, literal: &Literal, value: &str) -> bool {
    match literal {
        Literal::Text(t) => order(op, value.cmp(t.as_str())),
        Literal::Pattern(re) => (op == Op::Match) == re.is_match(value),
        _ => false,
    }
}

fn equality(op: Op, equal: bool) -> bool {
    match op {
        Op::Eq => equal,
        Op::Ne => !equal,
        _ => false,
    }
}

fn order(op: Op, ordering: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::*;
    match op {
        Op::Eq => ordering == Equal,
        Op::Ne => ordering != Equal,
        Op::Gt => ordering == Greater,
        Op::Ge => ordering != Less,
        Op::Lt => ordering == Less,
        Op::Le => ordering != Greater,
        Op::Match | Op::NotMatch => false,
    }
}

fn number(op: Op, value: f64, literal: f64) -> bool {
    value
        .partial_cmp(&literal)
        .is_some_and(|ordering| order(op, ordering))
}

/// Parses `text`; a refusal names the column and what is supported.
pub fn parse(text: &str) -> Result<Query, String> {
    let tokens = lex(text)?;
    let end = text.chars().count() + 1;
    let mut parser = Parser { tokens, at: 0, end };
    let query = parser.query()?;
    match parser.peek() {
        None => Ok(query),
        Some((column, token)) => Err(unsupported(*column, &format!("{token:?}"))),
    }
}

fn unsupported(column: usize, what: &str) -> String {
    format!("invalid TraceQL query: unsupported {what} at column {column}; {SUPPORTED}")
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    LeftParen,
    RightParen,
    And,
    Or,
    Op(Op),
    Text(String),
    /// A number with its unit, if any (`2s`, `150ms`, `3`).
    Number(String),
    Word(String),
}

fn lex(text: &str) -> Result<Vec<(usize, Token)>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let column = i + 1;
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let (token, width) = match (c, next) {
            (c, _) if c.is_whitespace() => {
                i += 1;
                continue;
            }
            ('{', _) => (Token::Open, 1),
            ('}', _) => (Token::Close, 1),
            ('(', _) => (Token::LeftParen, 1),
            (')', _) => (Token::RightParen, 1),
            ('&', Some('&')) => (Token::And, 2),
            ('|', Some('|')) => (Token::Or, 2),
            ('=', Some('~')) => (Token::Op(Op::Match), 2),
            ('!', Some('~')) => (Token::Op(Op::NotMatch), 2),
            ('!', Some('=')) => (Token::Op(Op::Ne), 2),
            ('>', Some('=')) => (Token::Op(Op::Ge), 2),
            ('<', Some('=')) => (Token::Op(Op::Le), 2),
            ('=', _) => (Token::Op(Op::Eq), 1),
            ('>', _) => (Token::Op(Op::Gt), 1),
            ('<', _) => (Token::Op(Op::Lt), 1),
            ('"', _) | ('`', _) => {
                let mut value = String::new();
                let mut j = i + 1;
                loop {
                    match chars.get(j) {
                        None => {
                            return Err(format!(
                                "invalid TraceQL query: the text begun at column {column} is not closed"
                            ))
                        }
                        Some(&q) if q == c => break,
                        Some('\\') if c == '"' => {
                            if let Some(&escaped) = chars.get(j + 1) {
                                value.push(escaped);
                            }
                            j += 2;
                        }
                        Some(&other) => {
                            value.push(other);
                            j += 1;
                        }
                    }
                }
                (Token::Text(value), j + 1 - i)
            }
            (c, _)
                if c.is_ascii_digit() || (c == '-' && next.is_some_and(|n| n.is_ascii_digit())) =>
            {
                let mut j = i + 1;
                while chars
                    .get(j)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == 'µ')
                {
                    j += 1;
                }
                (Token::Number(chars[i..j].iter().collect()), j - i)
            }
            (c, _) if c.is_alphabetic() || c == '.' || c == '_' => {
                let mut j = i + 1;
                while chars.get(j).is_some_and(|c| {
                    c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '/' | ':')
                }) {
                    j += 1;
                }
                (Token::Word(chars[i..j].iter().collect()), j - i)
            }
            (c, _) => return Err(unsupported(column, &format!("character {c:?}"))),
        };
        tokens.push((column, token));
        i += width;
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<(usize, Token)>,
    at: usize,
    /// The column just past the query.
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&(usize, Token)> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<(usize, Token)> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn end_column(&self) -> usize {
        self.end
    }

    fn expect(&mut self, wanted: Token, what: &str) -> Result<(), String> {
        match self.next() {
            Some((_, token)) if token == wanted => Ok(()),
            Some((column, token)) => Err(unsupported(
                column,
                &format!("{token:?} where {what} belongs"),
            )),
            None => Err(unsupported(
                self.end_column(),
                &format!("end of query where {what} belongs"),
            )),
        }
    }

    /// spanset (('&&' | '||') spanset)*, `&&` binding tighter.
    fn query(&mut self) -> Result<Query, String> {
        let mut left = self.query_and()?;
        while matches!(self.peek(), Some((_, Token::Or))) {
            self.at += 1;
            left = Query::Or(Box::new(left), Box::new(self.query_and()?));
        }
        Ok(left)
    }

    fn query_and(&mut self) -> Result<Query, String> {
        let mut left = self.spanset()?;
        while matches!(self.peek(), Some((_, Token::And))) {
            self.at += 1;
            left = Query::And(Box::new(left), Box::new(self.spanset()?));
        }
        Ok(left)
    }

    fn spanset(&mut self) -> Result<Query, String> {
        self.expect(Token::Open, "a spanset's '{'")?;
        if matches!(self.peek(), Some((_, Token::Close))) {
            self.at += 1;
            return Ok(Query::Spanset(Condition::Always));
        }
        let condition = self.condition()?;
        self.expect(Token::Close, "'}'")?;
        Ok(Query::Spanset(condition))
    }

    fn condition(&mut self) -> Result<Condition, String> {
        let mut left = self.condition_and()?;
        while matches!(self.peek(), Some((_, Token::Or))) {
            self.at += 1;
            left = Condition::Or(Box::new(left), Box::new(self.condition_and()?));
        }
        Ok(left)
    }

    fn condition_and(&mut self) -> Result<Condition, String> {
        let mut left = self.comparison()?;
        while matches!(self.peek(), Some((_, Token::And))) {
            self.at += 1;
            left = Condition::And(Box::new(left), Box::new(self.comparison()?));
        }
        Ok(left)
    }

    fn comparison(&mut self) -> Result<Condition, String> {
        if matches!(self.peek(), Some((_, Token::LeftParen))) {
            self.at += 1;
            let inner = self.condition()?;
            self.expect(Token::RightParen, "')'")?;
            return Ok(inner);
        }
        let (column, field) = match self.next() {
            Some((column, Token::Word(word))) => (
                column,
                field(&word).ok_or_else(|| unsupported(column, &format!("field {word:?}")))?,
            ),
            Some((column, token)) => {
                return Err(unsupported(
                    column,
                    &format!("{token:?} where a field belongs"),
                ))
            }
            None => {
                return Err(unsupported(
                    self.end_column(),
                    "end of query where a field belongs",
                ))
            }
        };
        let op = match self.next() {
            Some((_, Token::Op(op))) => op,
            Some((column, token)) => {
                return Err(unsupported(
                    column,
                    &format!("{token:?} where an operator belongs"),
                ))
            }
            None => {
                return Err(unsupported(
                    self.end_column(),
                    "end of query where an operator belongs",
                ))
            }
        };
        let (value_column, value) = self
            .next()
            .ok_or_else(|| unsupported(self.end_column(), "end of query where a value belongs"))?;
        let literal =
            literal(&field, op, value).map_err(|what| unsupported(value_column, &what))?;
        let _ = column;
        Ok(Condition::Compare(field, op, literal))
    }
}

fn field(word: &str) -> Option<Field> {
    Some(match word {
        "name" => Field::Name,
        "status" => Field::Status,
        "duration" => Field::Duration,
        "kind" => Field::Kind,
        _ => {
            if let Some(key) = word.strip_prefix("resource.") {
                Field::Resource(key.to_owned())
            } else if let Some(key) = word.strip_prefix("span.") {
                Field::Span(key.to_owned())
            } else if let Some(key) = word.strip_prefix('.') {
                Field::Either(key.to_owned())
            } else {
                return None;
            }
        }
    })
}

fn literal(field: &Field, op: Op, token: Token) -> Result<Literal, String> {
    let regex = matches!(op, Op::Match | Op::NotMatch);
    Ok(match (field, token) {
        (Field::Status, Token::Word(w)) => Literal::Status(match w.as_str() {
            "unset" => 0,
            "ok" => 1,
            "error" => 2,
            _ => return Err(format!("status {w:?} (use error, ok or unset)")),
        }),
        (Field::Kind, Token::Word(w)) => Literal::Kind(match w.as_str() {
            "unspecified" => 0,
            "internal" => 1,
            "server" => 2,
            "client" => 3,
            "producer" => 4,
            "consumer" => 5,
            _ => {
                return Err(format!(
                    "kind {w:?} (use server, client, producer, consumer or internal)"
                ))
            }
        }),
        (Field::Duration, Token::Number(n)) => Literal::Duration(
            duration(&n).ok_or_else(|| format!("duration {n:?} (write e.g. 150ms or 2s)"))?,
        ),
        (_, Token::Text(t)) if regex => Literal::Pattern(
            Regex::new(&format!("^(?:{t})$"))
                .map_err(|e| format!("regular expression {t:?}: {e}"))?,
        ),
        (_, Token::Text(t)) => Literal::Text(t),
        (_, Token::Number(n)) => Literal::Number(
            n.parse()
                .map_err(|_| format!("number {n:?} (durations compare only with duration)"))?,
        ),
        (_, Token::Word(w)) if w == "true" || w == "false" => Literal::Bool(w == "true"),
        (_, token) => return Err(format!("value {token:?}")),
    })
}

/// `150ms`, `2s`, `1.5m`, `500us` in nanoseconds.
fn duration(text: &str) -> Option<u64> {
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let scale = match unit {
        "ns" => 1.0,
        "us" | "µs" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        "m" => 60e9,
        "h" => 3600e9,
        _ => return None,
    };
    Some((number * scale) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::common::v1::AnyValue;
    use opentelemetry_proto::tonic::trace::v1::Status;

    fn attribute(key: &str, value: Value) -> KeyValue {
        KeyValue {
            key: key.to_owned(),
            value: Some(AnyValue { value: Some(value) }),
            ..KeyValue::default()
        }
    }

    fn span(name: &str, ms: u64, error: bool, attributes: Vec<KeyValue>) -> Span {
        Span {
            name: name.to_owned(),
            start_time_unix_nano: 1_000,
            end_time_unix_nano: 1_000 + ms * 1_000_000,
            status: Some(Status {
                code: if error { 2 } else { 0 },
                ..Status::default()
            }),
            kind: 2,
            attributes,
            ..Span::default()
        }
    }

    fn matched(query: &str, spans: &[Span], resource: &[KeyValue]) -> Option<Vec<usize>> {
        let views: Vec<_> = spans
            .iter()
            .map(|span| SpanView { span, resource })
            .collect();
        parse(query).unwrap().matches(&views)
    }

    #[test]
    fn the_app_examples_select_the_spans_they_name() {
        let resource = [attribute(
            "service.name",
            Value::StringValue("checkout".into()),
        )];
        let spans = [
            span(
                "GET /cart",
                2_500,
                false,
                vec![attribute("http.response.status_code", Value::IntValue(200))],
            ),
            span(
                "charge",
                40,
                true,
                vec![attribute("http.response.status_code", Value::IntValue(503))],
            ),
        ];
        assert_eq!(matched("{ }", &spans, &resource), Some(vec![0, 1]));
        assert_eq!(
            matched("{ status = error }", &spans, &resource),
            Some(vec![1])
        );
        assert_eq!(
            matched(
                "{ span.http.response.status_code >= 500 }",
                &spans,
                &resource
            ),
            Some(vec![1])
        );
        assert_eq!(
            matched(
                r#"{ resource.service.name = "checkout" && duration > 2s }"#,
                &spans,
                &resource
            ),
            Some(vec![0])
        );
        assert_eq!(
            matched(r#"{ resource.service.name = "cart" }"#, &spans, &resource),
            None
        );
        assert_eq!(
            matched(r#"{ name =~ "GET.*" }"#, &spans, &resource),
            Some(vec![0])
        );
        // Fully anchored: "GET" alone does not match "GET /cart".
        assert_eq!(matched(r#"{ name =~ "GET" }"#, &spans, &resource), None);
        assert_eq!(
            matched(r#"{ name !~ "GET.*" }"#, &spans, &resource),
            Some(vec![1])
        );
        assert_eq!(
            matched(
                r#"{ .service.name = "checkout" && kind = server }"#,
                &spans,
                &resource
            ),
            Some(vec![0, 1])
        );
        assert_eq!(
            matched(
                r#"{ name = "charge" } && { duration > 1s }"#,
                &spans,
                &resource
            ),
            Some(vec![0, 1])
        );
        assert_eq!(
            matched(
                r#"{ name = "none" } || { duration < 100ms }"#,
                &spans,
                &resource
            ),
            Some(vec![1])
        );
        assert_eq!(
            matched(
                r#"{ name = "none" } && { duration < 100ms }"#,
                &spans,
                &resource
            ),
            None
        );
        assert_eq!(
            matched(
                r#"{ (name = "charge" || duration > 2s) && status != error }"#,
                &spans,
                &resource
            ),
            Some(vec![0])
        );
        // A missing attribute never matches, not even with !=.
        assert_eq!(
            matched(r#"{ span.db.system != "redis" }"#, &spans, &resource),
            None
        );
    }

    #[test]
    fn what_is_beyond_the_subset_is_refused_with_its_column() {
        for (query, column) in [
            ("{ status = error } | count() > 2", 20),
            ("{ event.name = \"x\" }", 3),
            ("{ status = broken }", 12),
            ("{ duration > 2 }", 14),
            ("{ name = \"x\"", 13),
        ] {
            let error = parse(query).unwrap_err();
            assert!(
                error.contains(&format!("column {column}")),
                "{query}: {error}"
            );
            assert!(
                error.contains("tracelens serve answers TraceQL spanset filters")
                    || error.contains("not closed"),
                "{error}"
            );
        }
    }
}
