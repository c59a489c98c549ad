//! Behaviour of the search engine (issue 6): folding, multi-term queries, ranking order, own and
//! guest domains, cancellation, and incremental typing/Backspace/extension giving exactly the
//! results of a fresh full scan. No timing asserts (figures live in `cargo bench --bench search`).

use std::sync::atomic::{AtomicUsize, Ordering};

use tapdesk::search::{Engine, SearchIndex};
use tapdesk_graph::types::User;
use tapdesk_sim::synth::{self, SplitMix64};

fn user(name: &str, upn: &str, mail: Option<&str>) -> User {
    User {
        id: upn.into(),
        display_name: Some(name.into()),
        user_principal_name: Some(upn.into()),
        mail: mail.map(String::from),
        ..Default::default()
    }
}

fn engine(users: &[User]) -> Engine {
    let mut e = Engine::new(vec!["contoso.example".into()]);
    e.extend(users);
    e
}

fn hits(e: &mut Engine, q: &str) -> Vec<usize> {
    e.search(q, 50, &|| false).map(|r| r.hits).unwrap_or_default()
}

fn people() -> Vec<User> {
    vec![
        user("Hans Müller", "hans.mueller@contoso.example", None),
        user("José Núñez", "jose.nunez@contoso.example", None),
        user("Nguyễn Văn An", "an.nguyen@contoso.example", None),
        user("Siobhán O'Brien", "siobhan.obrien@contoso.example", None),
        user("John Smith", "john.smith@contoso.example", None),
        user("Jonas Miller", "jonas.miller@contoso.example", None),
        user(
            "Kai Meyer",
            "kai.meyer_fabrikam.example#EXT#@contoso.onmicrosoft.com",
            Some("kai.meyer@fabrikam.example"),
        ),
    ]
}

#[test]
fn case_and_accents_fold_both_ways() {
    let mut e = engine(&people());
    for q in ["muller", "MÜLLER", "Müller", "MULLER"] {
        assert_eq!(hits(&mut e, q).first(), Some(&0), "{q}");
    }
    assert_eq!(hits(&mut e, "jose").first(), Some(&1));
    assert_eq!(hits(&mut e, "JOSÉ NUÑEZ").first(), Some(&1));
    assert_eq!(hits(&mut e, "nguyen").first(), Some(&2));
    assert_eq!(hits(&mut e, "Nguyễn").first(), Some(&2));
}

#[test]
fn apostrophes_do_not_block_a_match() {
    let mut e = engine(&people());
    for q in ["obrien", "o'brien", "O’Brien", "siobhan obrien"] {
        assert_eq!(hits(&mut e, q).first(), Some(&3), "{q}");
    }
}

#[test]
fn terms_match_in_any_order() {
    let mut e = engine(&people());
    assert_eq!(hits(&mut e, "smith john").first(), Some(&4));
    assert_eq!(hits(&mut e, "john smith").first(), Some(&4));
    assert_eq!(hits(&mut e, "  smith   JOHN ").first(), Some(&4));
    assert!(hits(&mut e, "smith zebra").is_empty(), "every term must match");
}

#[test]
fn exact_beats_word_start_beats_substring_beats_scattered() {
    let users = vec![
        user("Alan Nash", "u1@contoso.example", None),      // a…n…n scattered
        user("Joanna Bell", "u2@contoso.example", None),    // "ann" inside a word
        user("Anneliese Roth", "u3@contoso.example", None), // "ann" starts a word
        user("Ann Lee", "u4@contoso.example", None),        // "ann" is a whole word
        user("Ann", "u5@contoso.example", None),            // the whole name
    ];
    let mut e = engine(&users);
    assert_eq!(hits(&mut e, "ann"), vec![4, 3, 2, 1, 0]);
}

#[test]
fn ties_go_to_the_shorter_key_then_directory_order() {
    let users = vec![
        user("Bo Lindqvist", "u1@contoso.example", None),
        user("Bo Lind", "u2@contoso.example", None),
        user("Bo Lind", "u3@contoso.example", None),
    ];
    let mut e = engine(&users);
    assert_eq!(hits(&mut e, "lind"), vec![1, 2, 0]);
}

#[test]
fn own_domain_is_not_matched_and_guests_keep_theirs() {
    let mut e = engine(&people());
    // "johnsm" would match "Jonas Miller …@contoso.example" through the domain.
    assert_eq!(hits(&mut e, "johnsm"), vec![4]);
    assert!(hits(&mut e, "contoso").is_empty());
    assert!(hits(&mut e, "onmicrosoft").is_empty());
    assert_eq!(hits(&mut e, "fabrikam"), vec![6]);
    assert_eq!(hits(&mut e, "kai.meyer_fabrikam").first(), Some(&6));
    assert_eq!(e.key(6), "kai meyer kai.meyer_fabrikam.example");
}

#[test]
fn pasted_addresses_find_members_and_guests() {
    let mut e = engine(&people());
    assert_eq!(hits(&mut e, "john.smith@contoso.example"), vec![4]);
    assert_eq!(hits(&mut e, "John.Smith@Contoso.Ex"), vec![4], "typing the domain");
    // UPN domains are learned even when not configured as own domains.
    assert_eq!(hits(&mut e, "kai.meyer_fabrikam.example#ext#@contoso.onmicrosoft.com").first(), Some(&6));
    assert_eq!(hits(&mut e, "kai.meyer@fabrikam.example"), vec![6]);
}

#[test]
fn blank_query_lists_directory_order_and_limit_holds() {
    let mut e = engine(&people());
    let r = e.search("   ", 3, &|| false).expect("not cancelled");
    assert_eq!(r.hits, vec![0, 1, 2]);
    assert_eq!(r.matched, 7);
    let r = e.search("n", 2, &|| false).expect("not cancelled");
    assert_eq!(r.hits.len(), 2);
    assert!(r.matched > 2);
}

#[test]
fn cancellation_returns_none_and_leaves_the_engine_correct() {
    let users = synth::directory(40_000);
    let mut e = engine(&users);
    assert!(e.search("jo", 50, &|| true).is_none());
    let polls = AtomicUsize::new(0);
    let late = || polls.fetch_add(1, Ordering::SeqCst) >= 3;
    assert!(e.search("john", 50, &late).is_none(), "cancelled mid-scan");
    let after = e.search("john", 50, &|| false).expect("not cancelled");
    let fresh = engine(&users).search("john", 50, &|| false).expect("not cancelled");
    assert_eq!(after, fresh);
}

/// A random editing session (typing, Backspace, clearing, editing in the middle, pages arriving)
/// against a fresh engine per step: results must be identical.
#[test]
fn incremental_typing_backspace_and_extension_equal_fresh_scans() {
    let all = synth::directory(12_000);
    let words = [
        "john smith",
        "jsmith",
        "müller",
        "obrien",
        "maria garcia",
        "smith j",
        "nguyen",
        "zz",
        "li wei",
        "kai",
        "room 1",
        "o'connor",
        "anna",
        "e",
    ];
    let mut rng = SplitMix64::new(7);
    let mut e = Engine::new(synth::own_domains());
    // The reference: same rows, its query stack cleared before every search (a full scan).
    let mut fresh = Engine::new(synth::own_domains());
    let mut loaded = 3000;
    e.extend(&all[..loaded]);
    fresh.extend(&all[..loaded]);
    let mut query = String::new();
    for step in 0..400 {
        match rng.below(10) {
            0..=4 => {
                let w = words[rng.below(words.len())];
                let next = w.chars().nth(query.chars().count()).unwrap_or(' ');
                query.push(next);
            }
            5 | 6 => {
                query.pop();
            }
            7 => query.clear(),
            8 => {
                let w = words[rng.below(words.len())];
                let cut = rng.below(w.chars().count() + 1);
                query = w.chars().take(cut).collect();
            }
            _ => {
                let more = (loaded + 999).min(all.len());
                e.extend(&all[loaded..more]);
                fresh.extend(&all[loaded..more]);
                loaded = more;
            }
        }
        let limit = [1, 10, 50][rng.below(3)];
        let got = e.search(&query, limit, &|| false).expect("not cancelled");
        fresh.clear_cache();
        let want = fresh.search(&query, limit, &|| false).expect("not cancelled");
        assert_eq!(got, want, "step {step}, query {query:?}, {loaded} users");
    }
}

#[test]
fn search_index_wrapper_keeps_the_old_api() {
    let mut idx = SearchIndex::default();
    idx.extend(&people());
    assert_eq!(idx.len(), 7);
    assert!(!idx.is_empty());
    assert_eq!(idx.rank("smith john", 10).first(), Some(&4));
    assert_eq!(idx.rank("", 2), vec![0, 1]);
}

/// Rows whose score bound cannot reach the top N are never scored: the top N must be the same as
/// with every row scored (a limit above the match count disables that pruning).
#[test]
fn pruned_top_n_equals_fully_scored_ranking() {
    let users = synth::directory(20_000);
    for q in ["jo", "joh", "jsm", "js", "zz", "obr", "mül", "john s", "smith j", "an", "e.s", "2"] {
        let mut pruned = Engine::new(synth::own_domains());
        pruned.extend(&users);
        let mut full = Engine::new(synth::own_domains());
        full.extend(&users);
        for limit in [1, 7, 50] {
            pruned.clear_cache();
            let got = pruned.search(q, limit, &|| false).expect("not cancelled");
            full.clear_cache();
            let all = full.search(q, usize::MAX, &|| false).expect("not cancelled");
            assert_eq!(got.matched, all.matched, "{q}");
            assert_eq!(got.hits[..], all.hits[..limit.min(all.hits.len())], "{q} limit {limit}");
        }
    }
}
