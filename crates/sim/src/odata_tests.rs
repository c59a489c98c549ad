//! Unit tests of the `$filter` parser and evaluator.

use super::*;

fn resolve(name: &str) -> Option<&'static str> {
    ["displayName", "mail", "userPrincipalName", "accountEnabled", "createdDateTime", "businessPhones"]
        .into_iter()
        .find(|p| p.eq_ignore_ascii_case(name))
}

fn parse(s: &str) -> Result<Filter, QueryError> {
    parse_filter(s, &resolve)
}

#[test]
fn doubled_quote_is_unescaped() {
    let f = parse("startswith(displayName,'O''Brien')").unwrap();
    assert_eq!(f, Filter::StartsWith { prop: "displayName", text: "O'Brien".into() });
}

#[test]
fn function_name_and_property_case_insensitive() {
    let f = parse("startsWith(DisplayName,'ab')").unwrap();
    assert_eq!(f, Filter::StartsWith { prop: "displayName", text: "ab".into() });
}

#[test]
fn or_binds_looser_than_and() {
    let f = parse("startswith(mail,'a') or startswith(mail,'b') and accountEnabled eq true").unwrap();
    let Filter::Or(_, right) = f else { panic!("expected or at the top: {f:?}") };
    assert!(matches!(*right, Filter::And(_, _)));
}

#[test]
fn malformed_literal_is_a_syntax_error() {
    let e = parse("startswith(displayName,'O'Brien')").unwrap_err();
    assert!(matches!(e, QueryError::Syntax(ref m) if m.contains("unterminated string literal")), "{e:?}");
    assert!(matches!(parse("displayName eq 'abc"), Err(QueryError::Syntax(_))));
    assert!(matches!(parse("displayName eq"), Err(QueryError::Syntax(_))));
    assert!(matches!(parse("(displayName eq 'a'"), Err(QueryError::Syntax(_))));
    assert!(matches!(parse("contains(displayName,'a')"), Err(QueryError::Syntax(_))));
}

#[test]
fn unknown_property_is_reported() {
    assert_eq!(parse("startswith(foo,'a')"), Err(QueryError::UnknownProperty("foo".into())));
}

#[test]
fn literals_and_in() {
    assert_eq!(
        parse("accountEnabled eq false").unwrap(),
        Filter::Cmp { prop: "accountEnabled", op: CmpOp::Eq, lit: Lit::Bool(false) }
    );
    let f = parse("createdDateTime ge 2024-01-01T00:00:00Z").unwrap();
    assert!(matches!(f, Filter::Cmp { lit: Lit::Time(_), .. }));
    let f = parse("mail in ('a@x.example', 'b@x.example')").unwrap();
    assert!(matches!(f, Filter::In { ref lits, .. } if lits.len() == 2));
}

#[test]
fn evaluation_is_case_insensitive() {
    let name = "Siobhan O'Brien".to_string();
    let phones = vec!["+1 425 555 0100".to_string()];
    let get = |p: &str| match p {
        "displayName" => PropVal::Str(Some(name.as_str())),
        "businessPhones" => PropVal::Strs(&phones),
        "accountEnabled" => PropVal::Bool(Some(true)),
        _ => PropVal::Str(None),
    };
    assert!(parse("startswith(displayName,'siobhan o''b')").unwrap().eval(&get));
    assert!(parse("displayName eq 'SIOBHAN O''BRIEN'").unwrap().eval(&get));
    assert!(!parse("startswith(displayName,'obrien')").unwrap().eval(&get));
    assert!(parse("startswith(businessPhones,'+1 425')").unwrap().eval(&get));
    assert!(parse("accountEnabled eq true and not (mail ne null)").unwrap().eval(&get));
    assert!(parse("endswith(displayName,'o''brien')").unwrap().eval(&get));
    assert!(parse("displayName in ('x', 'siobhan o''brien')").unwrap().eval(&get));
}
