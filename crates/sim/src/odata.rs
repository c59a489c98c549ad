//! The OData `$filter` subset Graph supports on `/users`: `startswith`/`endswith(prop,'x')`,
//! `prop eq|ne|ge|le|gt|lt literal`, `prop in ('a','b')`, `not`, `and`, `or`, parentheses.
//!
//! String literals use single quotes with `''` for a quote. Function names and operators match
//! case-insensitively. Property names are resolved through a caller-supplied function (so the
//! parser knows nothing about users). Evaluation compares strings case-insensitively, like the
//! directory does.

use jiff::Timestamp;

/// A property value as the filter sees it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum PropVal<'a> {
    /// A string property (None = null).
    Str(Option<&'a str>),
    /// A string collection (e.g. `businessPhones`): matches if any element matches.
    Strs(&'a [String]),
    /// A boolean property.
    Bool(Option<bool>),
    /// A date-time property.
    Time(Option<Timestamp>),
}

/// A literal on the right-hand side.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Lit {
    Str(String),
    Bool(bool),
    Null,
    Num(i64),
    Time(Timestamp),
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Eq,
    Ne,
    Ge,
    Le,
    Gt,
    Lt,
}

/// A parsed `$filter` expression. `prop` fields hold canonical property names.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Filter {
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    Cmp { prop: &'static str, op: CmpOp, lit: Lit },
    In { prop: &'static str, lits: Vec<Lit> },
    StartsWith { prop: &'static str, text: String },
    EndsWith { prop: &'static str, text: String },
}

/// Why a query option could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum QueryError {
    /// Malformed syntax; the text explains where.
    Syntax(String),
    /// A property name the resource does not have.
    UnknownProperty(String),
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Bare(String),
    LParen,
    RParen,
    Comma,
}

fn tokenize(s: &str) -> Result<Vec<Tok>, QueryError> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                out.push(Tok::LParen);
                i += 1;
            }
            ')' => {
                out.push(Tok::RParen);
                i += 1;
            }
            ',' => {
                out.push(Tok::Comma);
                i += 1;
            }
            '\'' => {
                let start = i;
                let mut text = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => {
                            return Err(QueryError::Syntax(format!(
                                "There is an unterminated string literal at position {start} in '{s}'."
                            )));
                        }
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            text.push('\'');
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(&ch) => {
                            text.push(ch);
                            i += 1;
                        }
                    }
                }
                out.push(Tok::Str(text));
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || matches!(chars[i], '_' | '/' | '.')) {
                    i += 1;
                }
                out.push(Tok::Ident(chars[start..i].iter().collect()));
            }
            c if c.is_ascii_digit() || c == '-' => {
                let start = i;
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || matches!(chars[i], '-' | ':' | '.' | '+'))
                {
                    i += 1;
                }
                out.push(Tok::Bare(chars[start..i].iter().collect()));
            }
            other => {
                return Err(QueryError::Syntax(format!(
                    "Syntax error: character '{other}' is not valid at position {i} in '{s}'."
                )));
            }
        }
    }
    Ok(out)
}

struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    src: &'a str,
    resolve: &'a dyn Fn(&str) -> Option<&'static str>,
}

impl Parser<'_> {
    fn peek_kw(&self, kw: &str) -> bool {
        matches!(self.toks.get(self.pos), Some(Tok::Ident(w)) if w.eq_ignore_ascii_case(kw))
    }
    fn err(&self, what: &str) -> QueryError {
        QueryError::Syntax(format!("Syntax error: {what} at token {} in '{}'.", self.pos, self.src))
    }
    fn expect(&mut self, t: Tok) -> Result<(), QueryError> {
        if self.toks.get(self.pos) == Some(&t) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.err(&format!("expected {t:?}")))
        }
    }
    fn or(&mut self) -> Result<Filter, QueryError> {
        let mut left = self.and()?;
        while self.peek_kw("or") {
            self.pos += 1;
            left = Filter::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }
    fn and(&mut self) -> Result<Filter, QueryError> {
        let mut left = self.unary()?;
        while self.peek_kw("and") {
            self.pos += 1;
            left = Filter::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }
    fn unary(&mut self) -> Result<Filter, QueryError> {
        if self.peek_kw("not") {
            self.pos += 1;
            return Ok(Filter::Not(Box::new(self.unary()?)));
        }
        self.primary()
    }
    fn prop(&mut self) -> Result<&'static str, QueryError> {
        match self.toks.get(self.pos).cloned() {
            Some(Tok::Ident(name)) => {
                self.pos += 1;
                (self.resolve)(&name).ok_or(QueryError::UnknownProperty(name))
            }
            _ => Err(self.err("expected a property name")),
        }
    }
    fn literal(&mut self) -> Result<Lit, QueryError> {
        let lit = match self.toks.get(self.pos).cloned() {
            Some(Tok::Str(s)) => Lit::Str(s),
            Some(Tok::Ident(w)) if w.eq_ignore_ascii_case("true") => Lit::Bool(true),
            Some(Tok::Ident(w)) if w.eq_ignore_ascii_case("false") => Lit::Bool(false),
            Some(Tok::Ident(w)) if w.eq_ignore_ascii_case("null") => Lit::Null,
            Some(Tok::Bare(b)) => {
                if let Ok(n) = b.parse::<i64>() {
                    Lit::Num(n)
                } else if let Ok(t) = b.parse::<Timestamp>() {
                    Lit::Time(t)
                } else {
                    return Err(self.err(&format!("'{b}' is not a valid literal")));
                }
            }
            _ => return Err(self.err("expected a literal")),
        };
        self.pos += 1;
        Ok(lit)
    }
    fn primary(&mut self) -> Result<Filter, QueryError> {
        match self.toks.get(self.pos).cloned() {
            Some(Tok::LParen) => {
                self.pos += 1;
                let f = self.or()?;
                self.expect(Tok::RParen)?;
                Ok(f)
            }
            Some(Tok::Ident(name)) if self.toks.get(self.pos + 1) == Some(&Tok::LParen) => {
                let func = name.to_ascii_lowercase();
                if func != "startswith" && func != "endswith" {
                    return Err(self.err(&format!("unknown function '{name}'")));
                }
                self.pos += 2;
                let prop = self.prop()?;
                self.expect(Tok::Comma)?;
                let text = match self.literal()? {
                    Lit::Str(s) => s,
                    _ => return Err(self.err("expected a string literal")),
                };
                self.expect(Tok::RParen)?;
                Ok(if func == "startswith" {
                    Filter::StartsWith { prop, text }
                } else {
                    Filter::EndsWith { prop, text }
                })
            }
            Some(Tok::Ident(_)) => {
                let prop = self.prop()?;
                let op = match self.toks.get(self.pos) {
                    Some(Tok::Ident(o)) => o.to_ascii_lowercase(),
                    _ => return Err(self.err("expected an operator")),
                };
                self.pos += 1;
                if op == "in" {
                    self.expect(Tok::LParen)?;
                    let mut lits = vec![self.literal()?];
                    while self.toks.get(self.pos) == Some(&Tok::Comma) {
                        self.pos += 1;
                        lits.push(self.literal()?);
                    }
                    self.expect(Tok::RParen)?;
                    return Ok(Filter::In { prop, lits });
                }
                let op = match op.as_str() {
                    "eq" => CmpOp::Eq,
                    "ne" => CmpOp::Ne,
                    "ge" => CmpOp::Ge,
                    "le" => CmpOp::Le,
                    "gt" => CmpOp::Gt,
                    "lt" => CmpOp::Lt,
                    other => return Err(self.err(&format!("unknown operator '{other}'"))),
                };
                Ok(Filter::Cmp { prop, op, lit: self.literal()? })
            }
            _ => Err(self.err("expected an expression")),
        }
    }
}

/// Parses a `$filter` value (already percent-decoded). `resolve` maps a property name as written
/// to its canonical name, or `None` if the resource has no such property.
pub(crate) fn parse_filter(s: &str, resolve: &dyn Fn(&str) -> Option<&'static str>) -> Result<Filter, QueryError> {
    let toks = tokenize(s)?;
    if toks.is_empty() {
        return Err(QueryError::Syntax("The $filter expression must not be empty.".into()));
    }
    let mut p = Parser { toks, pos: 0, src: s, resolve };
    let f = p.or()?;
    if p.pos != p.toks.len() {
        return Err(p.err("unexpected trailing input"));
    }
    Ok(f)
}

/// Lower-cased chars of `s` (Unicode-aware).
fn lower(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars().flat_map(char::to_lowercase)
}

/// Case-insensitive `hay.starts_with(needle)`.
pub(crate) fn starts_with_ci(hay: &str, needle: &str) -> bool {
    let mut h = lower(hay);
    lower(needle).all(|c| h.next() == Some(c))
}

/// Case-insensitive `hay.ends_with(needle)`.
fn ends_with_ci(hay: &str, needle: &str) -> bool {
    let h: Vec<char> = lower(hay).collect();
    let n: Vec<char> = lower(needle).collect();
    h.ends_with(&n)
}

fn cmp_ci(a: &str, b: &str) -> std::cmp::Ordering {
    lower(a).cmp(lower(b))
}

fn cmp_str(v: &str, op: CmpOp, lit: &Lit) -> bool {
    let Lit::Str(s) = lit else { return false };
    let o = cmp_ci(v, s);
    match op {
        CmpOp::Eq => o.is_eq(),
        CmpOp::Ne => !o.is_eq(),
        CmpOp::Ge => o.is_ge(),
        CmpOp::Le => o.is_le(),
        CmpOp::Gt => o.is_gt(),
        CmpOp::Lt => o.is_lt(),
    }
}

fn cmp_val(v: PropVal<'_>, op: CmpOp, lit: &Lit) -> bool {
    let is_null = match v {
        PropVal::Str(s) => s.is_none(),
        PropVal::Strs(s) => s.is_empty(),
        PropVal::Bool(b) => b.is_none(),
        PropVal::Time(t) => t.is_none(),
    };
    if *lit == Lit::Null {
        return match op {
            CmpOp::Eq => is_null,
            CmpOp::Ne => !is_null,
            _ => false,
        };
    }
    match (v, lit) {
        (PropVal::Str(Some(s)), _) => cmp_str(s, op, lit),
        (PropVal::Strs(list), _) => list.iter().any(|s| cmp_str(s, op, lit)),
        (PropVal::Bool(Some(b)), Lit::Bool(l)) => match op {
            CmpOp::Eq => b == *l,
            CmpOp::Ne => b != *l,
            _ => false,
        },
        (PropVal::Time(Some(t)), Lit::Time(l)) => match op {
            CmpOp::Eq => t == *l,
            CmpOp::Ne => t != *l,
            CmpOp::Ge => t >= *l,
            CmpOp::Le => t <= *l,
            CmpOp::Gt => t > *l,
            CmpOp::Lt => t < *l,
        },
        _ => op == CmpOp::Ne,
    }
}

impl Filter {
    /// Calls `f` on this node and every descendant.
    pub fn visit(&self, f: &mut dyn FnMut(&Filter)) {
        f(self);
        match self {
            Filter::And(a, b) | Filter::Or(a, b) => {
                a.visit(f);
                b.visit(f);
            }
            Filter::Not(a) => a.visit(f),
            _ => {}
        }
    }

    /// Evaluates the filter; `get` returns the value of a canonical property.
    pub fn eval<'v>(&self, get: &dyn Fn(&str) -> PropVal<'v>) -> bool {
        match self {
            Filter::And(a, b) => a.eval(get) && b.eval(get),
            Filter::Or(a, b) => a.eval(get) || b.eval(get),
            Filter::Not(a) => !a.eval(get),
            Filter::Cmp { prop, op, lit } => cmp_val(get(prop), *op, lit),
            Filter::In { prop, lits } => lits.iter().any(|l| cmp_val(get(prop), CmpOp::Eq, l)),
            Filter::StartsWith { prop, text } => match get(prop) {
                PropVal::Str(Some(s)) => starts_with_ci(s, text),
                PropVal::Strs(list) => list.iter().any(|s| starts_with_ci(s, text)),
                _ => false,
            },
            Filter::EndsWith { prop, text } => match get(prop) {
                PropVal::Str(Some(s)) => ends_with_ci(s, text),
                PropVal::Strs(list) => list.iter().any(|s| ends_with_ci(s, text)),
                _ => false,
            },
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#[path = "odata_tests.rs"]
mod tests;
