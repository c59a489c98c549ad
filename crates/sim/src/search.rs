//! Graph's `$search` on directory objects (reference §3.5): `"prop:text"` clauses combined with
//! `AND`/`OR` (upper-case, outside the quotes) and parentheses; `\"` and `\\` escapes inside a
//! clause. `displayName` matches by tokens (every search token is a prefix of some stored token,
//! in any order); other properties match by case-insensitive `startsWith`.

use super::odata::{QueryError, starts_with_ci};

/// A parsed `$search` expression; `prop` is canonical.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Search {
    And(Box<Search>, Box<Search>),
    Or(Box<Search>, Box<Search>),
    Clause { prop: &'static str, text: String },
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Quoted(String),
    And,
    Or,
    LParen,
    RParen,
}

fn syntax(msg: String) -> QueryError {
    QueryError::Syntax(msg)
}

fn tokenize(s: &str) -> Result<Vec<Tok>, QueryError> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            c if c.is_whitespace() => i += 1,
            '(' => {
                out.push(Tok::LParen);
                i += 1;
            }
            ')' => {
                out.push(Tok::RParen);
                i += 1;
            }
            '"' => {
                let start = i;
                i += 1;
                let mut text = String::new();
                loop {
                    match chars.get(i) {
                        None => {
                            return Err(syntax(format!(
                                "Syntax error: unterminated quoted clause at position {start} in '{s}'."
                            )));
                        }
                        Some('\\') => match chars.get(i + 1) {
                            Some(&c @ ('"' | '\\')) => {
                                text.push(c);
                                i += 2;
                            }
                            _ => {
                                text.push('\\');
                                i += 1;
                            }
                        },
                        Some('"') => {
                            i += 1;
                            break;
                        }
                        Some(&c) => {
                            text.push(c);
                            i += 1;
                        }
                    }
                }
                out.push(Tok::Quoted(text));
            }
            _ => {
                let start = i;
                while i < chars.len() && !chars[i].is_whitespace() && !matches!(chars[i], '(' | ')' | '"') {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                match word.as_str() {
                    "AND" => out.push(Tok::And),
                    "OR" => out.push(Tok::Or),
                    _ => {
                        return Err(syntax(format!(
                            "Syntax error: '{word}' at position {start} in '{s}' must be a quoted \"property:text\" clause."
                        )));
                    }
                }
            }
        }
    }
    Ok(out)
}

struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    resolve: &'a dyn Fn(&str) -> Option<&'static str>,
}

impl Parser<'_> {
    fn or(&mut self) -> Result<Search, QueryError> {
        let mut left = self.and()?;
        while self.toks.get(self.pos) == Some(&Tok::Or) {
            self.pos += 1;
            left = Search::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }
    fn and(&mut self) -> Result<Search, QueryError> {
        let mut left = self.term()?;
        loop {
            match self.toks.get(self.pos) {
                Some(Tok::And) => self.pos += 1,
                Some(Tok::Quoted(_) | Tok::LParen) => {}
                _ => break,
            }
            left = Search::And(Box::new(left), Box::new(self.term()?));
        }
        Ok(left)
    }
    fn term(&mut self) -> Result<Search, QueryError> {
        match self.toks.get(self.pos).cloned() {
            Some(Tok::LParen) => {
                self.pos += 1;
                let s = self.or()?;
                if self.toks.get(self.pos) != Some(&Tok::RParen) {
                    return Err(syntax("Syntax error: missing ')' in $search.".into()));
                }
                self.pos += 1;
                Ok(s)
            }
            Some(Tok::Quoted(clause)) => {
                self.pos += 1;
                let Some((prop, text)) = clause.split_once(':') else {
                    return Err(syntax(format!(
                        "Syntax error: the $search clause \"{clause}\" must name a property, e.g. \"displayName:{clause}\"."
                    )));
                };
                let prop =
                    (self.resolve)(prop.trim()).ok_or_else(|| QueryError::UnknownProperty(prop.trim().to_owned()))?;
                Ok(Search::Clause { prop, text: text.to_owned() })
            }
            _ => Err(syntax("Syntax error: expected a quoted \"property:text\" clause in $search.".into())),
        }
    }
}

/// Parses a `$search` value (already percent-decoded), e.g. `"displayName:wa" OR "mail:wa"`.
pub(crate) fn parse_search(s: &str, resolve: &dyn Fn(&str) -> Option<&'static str>) -> Result<Search, QueryError> {
    let toks = tokenize(s)?;
    if toks.is_empty() {
        return Err(syntax("Syntax error: empty $search.".into()));
    }
    let mut p = Parser { toks, pos: 0, resolve };
    let out = p.or()?;
    if p.pos != p.toks.len() {
        return Err(syntax(format!("Syntax error: unexpected input after position {} in $search.", p.pos)));
    }
    Ok(out)
}

#[derive(PartialEq, Clone, Copy)]
enum Class {
    Lower,
    Upper,
    Other,
    Digit,
    Symbol,
}

fn class(c: char) -> Class {
    if c.is_numeric() {
        Class::Digit
    } else if c.is_lowercase() {
        Class::Lower
    } else if c.is_uppercase() {
        Class::Upper
    } else if c.is_alphabetic() {
        Class::Other
    } else {
        Class::Symbol
    }
}

/// One whitespace-separated word split into lower-case sub-tokens: at lower→upper changes
/// (`HelloWorld` → hello, world; `HELLOworld` stays one), around digit runs and around each
/// symbol (`o'brien` → o, ', brien). The second value is the word without symbols
/// (`obrien`) when the word had any.
fn word_tokens(word: &str) -> (Vec<String>, Option<String>) {
    let mut toks: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut prev: Option<Class> = None;
    let mut had_symbol = false;
    for c in word.chars() {
        let k = class(c);
        let boundary = match (prev, k) {
            (None, _) => false,
            (_, Class::Symbol) | (Some(Class::Symbol), _) => true,
            (Some(Class::Lower), Class::Upper) => true,
            (Some(Class::Digit), k) => k != Class::Digit,
            (Some(_), Class::Digit) => true,
            _ => false,
        };
        if boundary && !cur.is_empty() {
            toks.push(std::mem::take(&mut cur));
        }
        had_symbol |= k == Class::Symbol;
        cur.extend(c.to_lowercase());
        prev = Some(k);
    }
    if !cur.is_empty() {
        toks.push(cur);
    }
    let joined = had_symbol
        .then(|| word.chars().filter(|c| class(*c) != Class::Symbol).flat_map(char::to_lowercase).collect::<String>());
    (toks, joined.filter(|j| !j.is_empty()))
}

/// All tokens of a stored value (sub-tokens plus the symbol-free joined form of each word).
pub(crate) fn value_tokens(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    for w in value.split_whitespace() {
        let (toks, joined) = word_tokens(w);
        out.extend(toks);
        out.extend(joined);
    }
    out
}

/// Tokenised match: every search word matches when all of its sub-tokens, or its joined form,
/// are prefixes of some stored token.
pub(crate) fn tokens_match(stored: &str, search: &str) -> bool {
    let stored = value_tokens(stored);
    let prefix = |t: &String| stored.iter().any(|s| s.starts_with(t.as_str()));
    search.split_whitespace().all(|w| {
        let (toks, joined) = word_tokens(w);
        toks.iter().all(prefix) || joined.as_ref().is_some_and(prefix)
    })
}

impl Search {
    /// Evaluates the search; `get` returns the string values of a canonical property.
    pub fn eval<'v>(&self, get: &dyn Fn(&str) -> Vec<&'v str>) -> bool {
        match self {
            Search::And(a, b) => a.eval(get) && b.eval(get),
            Search::Or(a, b) => a.eval(get) || b.eval(get),
            Search::Clause { prop, text } => get(prop).into_iter().any(|v| {
                if *prop == "displayName" || *prop == "description" {
                    tokens_match(v, text)
                } else {
                    starts_with_ci(v, text)
                }
            }),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn resolve(name: &str) -> Option<&'static str> {
        ["displayName", "mail", "userPrincipalName"].into_iter().find(|p| p.eq_ignore_ascii_case(name))
    }

    #[test]
    fn parses_or_of_clauses() {
        let s = parse_search("\"displayName:wa\" OR \"mail:x\"", &resolve).unwrap();
        assert_eq!(
            s,
            Search::Or(
                Box::new(Search::Clause { prop: "displayName", text: "wa".into() }),
                Box::new(Search::Clause { prop: "mail", text: "x".into() })
            )
        );
    }

    #[test]
    fn escapes_inside_clause() {
        let s = parse_search(r#""displayName:say \"hi\" \\o/""#, &resolve).unwrap();
        assert_eq!(s, Search::Clause { prop: "displayName", text: r#"say "hi" \o/"#.into() });
    }

    #[test]
    fn and_parentheses_and_implicit_and() {
        let s = parse_search("(\"displayName:a\" OR \"mail:b\") AND \"mail:c\"", &resolve).unwrap();
        assert!(matches!(s, Search::And(_, _)));
        let s = parse_search("\"displayName:a\" \"mail:c\"", &resolve).unwrap();
        assert!(matches!(s, Search::And(_, _)));
    }

    #[test]
    fn errors() {
        assert!(matches!(parse_search("\"displayName:wa", &resolve), Err(QueryError::Syntax(_))));
        assert!(matches!(parse_search("\"wa\"", &resolve), Err(QueryError::Syntax(_))));
        assert!(matches!(parse_search("displayName:wa", &resolve), Err(QueryError::Syntax(_))));
        assert!(matches!(parse_search("\"a:b\" or \"mail:c\"", &resolve), Err(QueryError::Syntax(_))));
        assert_eq!(parse_search("\"foo:b\"", &resolve), Err(QueryError::UnknownProperty("foo".into())));
    }

    #[test]
    fn tokenisation_rules() {
        assert_eq!(value_tokens("HelloWorld"), vec!["hello", "world"]);
        assert_eq!(value_tokens("HELLOworld"), vec!["helloworld"]);
        assert_eq!(value_tokens("hello123world"), vec!["hello", "123", "world"]);
        assert_eq!(value_tokens("hello.world"), vec!["hello", ".", "world", "helloworld"]);
        assert_eq!(value_tokens("O'Brien"), vec!["o", "'", "brien", "obrien"]);
    }

    #[test]
    fn display_name_prefix_matching() {
        assert!(tokens_match("Oscar Ward", "wa"));
        assert!(tokens_match("Oscar Ward", "ward osc"));
        assert!(!tokens_match("Oscar Ward", "ar"));
        assert!(tokens_match("Siobhan O'Brien", "o'brien"));
        assert!(tokens_match("Siobhan O'Brien", "obri"));
        assert!(tokens_match("Siobhan O'Brien", "brien"));
        assert!(tokens_match("José Müller", "mül"));
        assert!(!tokens_match("José Müller", "mul"));
        assert!(tokens_match("李伟", "李"));
    }

    #[test]
    fn eval_uses_startswith_for_other_properties() {
        let s = parse_search("\"mail:avery\"", &resolve).unwrap();
        assert!(s.eval(&|_| vec!["Avery.Quinn@contoso.example"]));
        let s = parse_search("\"mail:quinn\"", &resolve).unwrap();
        assert!(!s.eval(&|_| vec!["avery.quinn@contoso.example"]));
    }
}
