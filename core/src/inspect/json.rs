//! A small JSON reader and writer for the inspector protocol (RFC 8259, `alloc` only).
//!
//! [`parse`] reads bytes into a [`Json`] tree under [`Limits`] (input size, nesting depth), so a
//! hostile frame costs at most a bounded amount of memory and stack; every malformed input is a
//! [`JsonError`] with a stable [`code`](JsonErrorKind::code) and the byte offset where reading
//! stopped, never a panic. The writer side ([`write_str`], [`Json`]'s `Display`) produces the
//! same bytes on every target, so the native and the wasm runtimes emit identical frames.
//!
//! ```
//! use backstage_core::inspect::json::{parse, Json, JsonErrorKind, Limits};
//!
//! let value = parse(br#"{"type":"stop","ref":4,"actor":"0.3.0"}"#, &Limits::default()).unwrap();
//! assert_eq!(value.get("type").and_then(Json::as_str), Some("stop"));
//! assert_eq!(value.get("ref").and_then(Json::as_u64), Some(4));
//!
//! let deep = "[".repeat(1000);
//! let err = parse(deep.as_bytes(), &Limits::default()).unwrap_err();
//! assert_eq!(err.kind, JsonErrorKind::TooDeep);
//! ```

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// How much a [`parse`] may take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Longest input, in bytes (default 64 KiB).
    pub max_bytes: usize,
    /// Deepest nesting of arrays and objects (default 32). The reader recurses once per
    /// level, so this also bounds its stack.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 64 * 1024,
            max_depth: 32,
        }
    }
}

/// A JSON value. Objects keep their members in input order (a key that repeats is kept
/// twice; [`Json::get`] finds the first).
#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    /// `null`
    Null,
    /// `true` or `false`
    Bool(bool),
    /// A number (always finite).
    Number(f64),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object, members in order.
    Object(Vec<(String, Json)>),
}

impl Json {
    /// The member `key` of an object (the first, if it repeats).
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    /// The number, if this is one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Json::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// The number as a whole number from 0 to 2⁵³ − 1 (exactly representable), if it is one.
    pub fn as_u64(&self) -> Option<u64> {
        const MAX_SAFE: f64 = 9_007_199_254_740_991.0;
        match self {
            Json::Number(n) if *n >= 0.0 && *n <= MAX_SAFE && (*n as u64) as f64 == *n => {
                Some(*n as u64)
            }
            _ => None,
        }
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Json::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The elements, if this is an array.
    pub fn as_array(&self) -> Option<&[Json]> {
        match self {
            Json::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The members, if this is an object.
    pub fn as_object(&self) -> Option<&[(String, Json)]> {
        match self {
            Json::Object(members) => Some(members),
            _ => None,
        }
    }

    /// True for `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Json::Null)
    }
}

/// Writes compact JSON (no spaces); numbers in Rust's shortest round-trip form.
impl fmt::Display for Json {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Json::Null => f.write_str("null"),
            Json::Bool(b) => f.write_str(if *b { "true" } else { "false" }),
            Json::Number(n) => write!(f, "{n}"),
            Json::String(s) => write_str_fmt(f, s),
            Json::Array(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    fmt::Display::fmt(item, f)?;
                }
                f.write_str("]")
            }
            Json::Object(members) => {
                f.write_str("{")?;
                for (i, (key, value)) in members.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write_str_fmt(f, key)?;
                    f.write_str(":")?;
                    fmt::Display::fmt(value, f)?;
                }
                f.write_str("}")
            }
        }
    }
}

/// Appends `s` to `out` as a JSON string literal (quotes, escapes; other characters as UTF-8).
pub fn write_str(out: &mut String, s: &str) {
    // Writing to a `String` cannot fail.
    let _ = write_str_fmt(out, s);
}

fn write_str_fmt(out: &mut impl fmt::Write, s: &str) -> fmt::Result {
    out.write_char('"')?;
    let mut plain = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f | 0x7f => "",
            _ => continue,
        };
        out.write_str(&s[plain..i])?;
        if escape.is_empty() {
            write!(out, "\\u{b:04x}")?;
        } else {
            out.write_str(escape)?;
        }
        plain = i + 1;
    }
    out.write_str(&s[plain..])?;
    out.write_char('"')
}

/// What was wrong with a JSON input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonErrorKind {
    /// Longer than [`Limits::max_bytes`].
    TooLarge,
    /// Nested deeper than [`Limits::max_depth`].
    TooDeep,
    /// Not UTF-8.
    InvalidUtf8,
    /// The input ended inside a value (truncated), or was empty.
    UnexpectedEnd,
    /// A byte that cannot start or continue a value here.
    UnexpectedCharacter,
    /// A backslash escape that JSON does not have, or a lone UTF-16 surrogate.
    InvalidEscape,
    /// A control character inside a string.
    ControlCharacter,
    /// A malformed number, or one too large for a double.
    InvalidNumber,
    /// More than one value (something after the first).
    TrailingCharacters,
}

impl JsonErrorKind {
    /// A stable, machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            JsonErrorKind::TooLarge => "TOO_LARGE",
            JsonErrorKind::TooDeep => "TOO_DEEP",
            JsonErrorKind::InvalidUtf8 => "INVALID_UTF8",
            JsonErrorKind::UnexpectedEnd => "UNEXPECTED_END",
            JsonErrorKind::UnexpectedCharacter => "UNEXPECTED_CHARACTER",
            JsonErrorKind::InvalidEscape => "INVALID_ESCAPE",
            JsonErrorKind::ControlCharacter => "CONTROL_CHARACTER",
            JsonErrorKind::InvalidNumber => "INVALID_NUMBER",
            JsonErrorKind::TrailingCharacters => "TRAILING_CHARACTERS",
        }
    }

    fn describe(&self) -> &'static str {
        match self {
            JsonErrorKind::TooLarge => "input too large",
            JsonErrorKind::TooDeep => "nested too deeply",
            JsonErrorKind::InvalidUtf8 => "not valid UTF-8",
            JsonErrorKind::UnexpectedEnd => "unexpected end of input",
            JsonErrorKind::UnexpectedCharacter => "unexpected character",
            JsonErrorKind::InvalidEscape => "invalid escape",
            JsonErrorKind::ControlCharacter => "control character in a string",
            JsonErrorKind::InvalidNumber => "invalid number",
            JsonErrorKind::TrailingCharacters => "characters after the value",
        }
    }
}

/// A JSON input that could not be read: what was wrong and where.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JsonError {
    /// What was wrong.
    pub kind: JsonErrorKind,
    /// The byte offset where reading stopped.
    pub offset: usize,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.kind.describe(), self.offset)
    }
}

impl core::error::Error for JsonError {}

/// Reads one JSON value (surrounding whitespace allowed) within `limits`.
pub fn parse(input: &[u8], limits: &Limits) -> Result<Json, JsonError> {
    if input.len() > limits.max_bytes {
        return Err(JsonError {
            kind: JsonErrorKind::TooLarge,
            offset: limits.max_bytes,
        });
    }
    let text = core::str::from_utf8(input).map_err(|e| JsonError {
        kind: JsonErrorKind::InvalidUtf8,
        offset: e.valid_up_to(),
    })?;
    let mut reader = Reader {
        text,
        bytes: input,
        pos: 0,
        max_depth: limits.max_depth,
    };
    let value = reader.value(0)?;
    reader.skip_whitespace();
    if reader.pos != input.len() {
        return Err(reader.error(JsonErrorKind::TrailingCharacters));
    }
    Ok(value)
}

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    max_depth: usize,
}

impl Reader<'_> {
    fn error(&self, kind: JsonErrorKind) -> JsonError {
        JsonError {
            kind,
            offset: self.pos,
        }
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Result<u8, JsonError> {
        self.bytes
            .get(self.pos)
            .copied()
            .ok_or_else(|| self.error(JsonErrorKind::UnexpectedEnd))
    }

    fn expect(&mut self, byte: u8) -> Result<(), JsonError> {
        if self.peek()? == byte {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(JsonErrorKind::UnexpectedCharacter))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, JsonError> {
        self.skip_whitespace();
        match self.peek()? {
            b'{' => self.object(depth + 1),
            b'[' => self.array(depth + 1),
            b'"' => self.string().map(Json::String),
            b't' => self.literal("true", Json::Bool(true)),
            b'f' => self.literal("false", Json::Bool(false)),
            b'n' => self.literal("null", Json::Null),
            b'-' | b'0'..=b'9' => self.number(),
            _ => Err(self.error(JsonErrorKind::UnexpectedCharacter)),
        }
    }

    fn literal(&mut self, word: &str, value: Json) -> Result<Json, JsonError> {
        for expected in word.bytes() {
            self.expect(expected)?;
        }
        Ok(value)
    }

    fn enter(&self, depth: usize) -> Result<(), JsonError> {
        if depth > self.max_depth {
            Err(self.error(JsonErrorKind::TooDeep))
        } else {
            Ok(())
        }
    }

    fn array(&mut self, depth: usize) -> Result<Json, JsonError> {
        self.enter(depth)?;
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.peek()? == b']' {
            self.pos += 1;
            return Ok(Json::Array(items));
        }
        loop {
            items.push(self.value(depth)?);
            self.skip_whitespace();
            match self.peek()? {
                b',' => self.pos += 1,
                b']' => {
                    self.pos += 1;
                    return Ok(Json::Array(items));
                }
                _ => return Err(self.error(JsonErrorKind::UnexpectedCharacter)),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Json, JsonError> {
        self.enter(depth)?;
        self.pos += 1;
        let mut members = Vec::new();
        self.skip_whitespace();
        if self.peek()? == b'}' {
            self.pos += 1;
            return Ok(Json::Object(members));
        }
        loop {
            self.skip_whitespace();
            if self.peek()? != b'"' {
                return Err(self.error(JsonErrorKind::UnexpectedCharacter));
            }
            let key = self.string()?;
            self.skip_whitespace();
            self.expect(b':')?;
            let value = self.value(depth)?;
            members.push((key, value));
            self.skip_whitespace();
            match self.peek()? {
                b',' => self.pos += 1,
                b'}' => {
                    self.pos += 1;
                    return Ok(Json::Object(members));
                }
                _ => return Err(self.error(JsonErrorKind::UnexpectedCharacter)),
            }
        }
    }

    fn string(&mut self) -> Result<String, JsonError> {
        self.pos += 1; // the opening quote
        let mut out = String::new();
        let mut plain = self.pos;
        loop {
            let b = self.peek()?;
            match b {
                b'"' => {
                    out.push_str(&self.text[plain..self.pos]);
                    self.pos += 1;
                    return Ok(out);
                }
                b'\\' => {
                    out.push_str(&self.text[plain..self.pos]);
                    self.pos += 1;
                    let c = self.escape()?;
                    out.push(c);
                    plain = self.pos;
                }
                0..=0x1f => return Err(self.error(JsonErrorKind::ControlCharacter)),
                // Multi-byte characters are whole (the input is valid UTF-8): copy them as is.
                _ => self.pos += 1,
            }
        }
    }

    /// After a backslash: one escape, as a character.
    fn escape(&mut self) -> Result<char, JsonError> {
        let b = self.peek()?;
        self.pos += 1;
        Ok(match b {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let first = self.hex4()?;
                let code = match first {
                    0xD800..=0xDBFF => {
                        // A high surrogate must be followed by `\u` and a low one.
                        if self.bytes.get(self.pos..self.pos + 2) != Some(b"\\u") {
                            return Err(self.error(JsonErrorKind::InvalidEscape));
                        }
                        self.pos += 2;
                        let second = self.hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&second) {
                            return Err(self.error(JsonErrorKind::InvalidEscape));
                        }
                        0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
                    }
                    0xDC00..=0xDFFF => return Err(self.error(JsonErrorKind::InvalidEscape)),
                    _ => first,
                };
                char::from_u32(code).ok_or_else(|| self.error(JsonErrorKind::InvalidEscape))?
            }
            _ => {
                self.pos -= 1;
                return Err(self.error(JsonErrorKind::InvalidEscape));
            }
        })
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let mut code = 0;
        for _ in 0..4 {
            let digit = match self.peek()? {
                b @ b'0'..=b'9' => b - b'0',
                b @ b'a'..=b'f' => b - b'a' + 10,
                b @ b'A'..=b'F' => b - b'A' + 10,
                _ => return Err(self.error(JsonErrorKind::InvalidEscape)),
            };
            code = code * 16 + u32::from(digit);
            self.pos += 1;
        }
        Ok(code)
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<Json, JsonError> {
        let start = self.pos;
        let invalid = |r: &Self| Err(r.error(JsonErrorKind::InvalidNumber));
        if self.bytes[self.pos] == b'-' {
            self.pos += 1;
        }
        match self.bytes.get(self.pos) {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            Some(_) => return invalid(self),
            None => return Err(self.error(JsonErrorKind::UnexpectedEnd)),
        }
        if self.bytes.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return invalid(self);
            }
        }
        if let Some(b'e' | b'E') = self.bytes.get(self.pos) {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.bytes.get(self.pos) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return invalid(self);
            }
        }
        match self.text[start..self.pos].parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(Json::Number(n)),
            _ => {
                self.pos = start;
                invalid(self)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::string::ToString;

    fn err(input: &[u8]) -> JsonErrorKind {
        parse(input, &Limits::default()).unwrap_err().kind
    }

    #[test]
    fn reads_every_kind_of_value() {
        let v = parse(
            br#" {"a": [1, -2.5e3, true, false, null], "b": "x\"\u00e9\ud83d\ude00\n", "c": {}} "#,
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(
            v.get("a").unwrap().as_array().unwrap(),
            &[
                Json::Number(1.0),
                Json::Number(-2500.0),
                Json::Bool(true),
                Json::Bool(false),
                Json::Null
            ]
        );
        assert_eq!(v.get("b").unwrap().as_str(), Some("x\"é😀\n"));
        assert_eq!(v.get("c"), Some(&Json::Object(Vec::new())));
    }

    #[test]
    fn written_values_read_back_the_same() {
        let v = Json::Object(alloc::vec![
            (
                "s".into(),
                Json::String("tab\t\u{1}\u{7f} quote\" é".into())
            ),
            ("n".into(), Json::Number(0.1)),
            ("big".into(), Json::Number(1e300)),
            (
                "a".into(),
                Json::Array(alloc::vec![Json::Null, Json::Bool(true)])
            ),
        ]);
        let text = v.to_string();
        assert_eq!(parse(text.as_bytes(), &Limits::default()).unwrap(), v);
    }

    #[test]
    fn malformed_inputs_are_typed_errors() {
        assert_eq!(err(b""), JsonErrorKind::UnexpectedEnd);
        assert_eq!(err(b"{\"a\":"), JsonErrorKind::UnexpectedEnd);
        assert_eq!(err(b"\"abc"), JsonErrorKind::UnexpectedEnd);
        assert_eq!(err(b"[1,]"), JsonErrorKind::UnexpectedCharacter);
        assert_eq!(err(b"{a:1}"), JsonErrorKind::UnexpectedCharacter);
        assert_eq!(err(b"nul"), JsonErrorKind::UnexpectedEnd);
        assert_eq!(err(b"01"), JsonErrorKind::TrailingCharacters);
        assert_eq!(err(b"1."), JsonErrorKind::InvalidNumber);
        assert_eq!(err(b"-"), JsonErrorKind::UnexpectedEnd);
        assert_eq!(err(b"1e999"), JsonErrorKind::InvalidNumber);
        assert_eq!(err(b"\"\\x\""), JsonErrorKind::InvalidEscape);
        assert_eq!(err(b"\"\\ud800\""), JsonErrorKind::InvalidEscape);
        assert_eq!(err(b"\"\\udc00\""), JsonErrorKind::InvalidEscape);
        assert_eq!(err(b"\"a\nb\""), JsonErrorKind::ControlCharacter);
        assert_eq!(err(b"\"\xff\""), JsonErrorKind::InvalidUtf8);
        assert_eq!(err(b"1 2"), JsonErrorKind::TrailingCharacters);
    }

    #[test]
    fn limits_bound_size_and_depth() {
        let limits = Limits {
            max_bytes: 16,
            max_depth: 3,
        };
        assert_eq!(parse(b"[[[1]]]", &limits).unwrap().to_string(), "[[[1]]]");
        let e = parse(b"[[[[1]]]]", &limits).unwrap_err();
        assert_eq!((e.kind, e.offset), (JsonErrorKind::TooDeep, 3));
        let long = format!("\"{}\"", "x".repeat(20));
        assert_eq!(
            parse(long.as_bytes(), &limits).unwrap_err().kind,
            JsonErrorKind::TooLarge
        );
        // Deep nesting at the default limits is refused before the stack is at risk.
        let deep = "[".repeat(100_000);
        assert_eq!(err(deep.as_bytes()), JsonErrorKind::TooLarge);
        let deep = "{\"a\":".repeat(5_000);
        assert_eq!(err(deep.as_bytes()), JsonErrorKind::TooDeep);
    }

    #[test]
    fn whole_numbers_are_checked_for_exactness() {
        assert_eq!(Json::Number(7.0).as_u64(), Some(7));
        assert_eq!(Json::Number(7.5).as_u64(), None);
        assert_eq!(Json::Number(-1.0).as_u64(), None);
        assert_eq!(Json::Number(1e16).as_u64(), None);
    }
}
