//! Shared helpers for the `update` and `view` tests: a small fixed directory, key presses, and
//! fabricated worker answers.
#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use tapdesk::app::{Cmd, Model, Msg, init, update};
use tapdesk_graph::protocol::{GraphRequest, GraphResponse, Reply, RequestId};
use tapdesk_graph::types::{AuthMethod, CreatedTap, DirectoryObject, TapPolicy, User, UserCard};

/// 2026-11-30 09:00:00 UTC.
pub fn now() -> Timestamp {
    "2026-11-30T09:00:00Z".parse().expect("valid timestamp")
}

pub fn user(id: &str, name: &str, upn: &str) -> User {
    User {
        id: id.into(),
        display_name: Some(name.into()),
        user_principal_name: Some(upn.into()),
        mail: Some(upn.into()),
        user_type: Some("Member".into()),
        job_title: Some("Engineer".into()),
        ..Default::default()
    }
}

pub fn directory() -> Vec<User> {
    vec![
        user("u-dave", "Dave Ryan", "dave.ryan@contoso.example"),
        user("u-avery", "Avery Quinn", "avery.quinn@contoso.example"),
        user("u-noor", "Noor Haddad", "noor.haddad@contoso.example"),
        user("u-siobhan", "Siobhan O'Brien", "siobhan.obrien@contoso.example"),
        user("u-jose", "José Núñez", "jose.nunez@contoso.example"),
        user("u-avi", "Avi Verma", "avi.verma@contoso.example"),
    ]
}

pub fn policy() -> TapPolicy {
    serde_json::from_value(serde_json::json!({
        "id": "TemporaryAccessPass", "state": "enabled",
        "defaultLifetimeInMinutes": 60, "defaultLength": 8,
        "minimumLifetimeInMinutes": 60, "maximumLifetimeInMinutes": 480,
        "isUsableOnce": false,
        "includeTargets": [{"targetType": "group", "id": "g-tap-users", "isRegistrationRequired": false}],
        "excludeTargets": []
    }))
    .expect("policy json")
}

pub fn avery_methods() -> Vec<AuthMethod> {
    serde_json::from_value(serde_json::json!([
        {"@odata.type": "#microsoft.graph.passwordAuthenticationMethod", "id": "28c10230-6103-485e-b985-444c60001490", "createdDateTime": "2023-01-10T08:00:00Z", "password": null},
        {"@odata.type": "#microsoft.graph.microsoftAuthenticatorAuthenticationMethod", "id": "auth-1", "displayName": "Pixel 8", "deviceTag": "SoftwareTokenActivated", "phoneAppVersion": "6.2401.0119", "createdDateTime": "2024-02-03T10:00:00Z"},
        {"@odata.type": "#microsoft.graph.fido2AuthenticationMethod", "id": "-2_GRUg2-HYz6_1YG4YRAQ2", "displayName": "YubiKey 5 NFC", "aaGuid": "cb69481e-8ff7-4039-93ec-0a2729a154a8", "model": "YubiKey 5 NFC", "attestationLevel": "attested", "createdDateTime": "2024-05-01T12:30:00Z"}
    ]))
    .expect("methods json")
}

pub fn created_tap(pass: &str) -> CreatedTap {
    serde_json::from_value(serde_json::json!({
        "@odata.type": "#microsoft.graph.temporaryAccessPassAuthenticationMethod",
        "id": "tap-1", "temporaryAccessPass": pass,
        "createdDateTime": "2026-11-30T09:00:01.1234567Z", "startDateTime": "2026-11-30T09:00:01Z",
        "lifetimeInMinutes": 60, "isUsableOnce": false, "isUsable": true,
        "methodUsabilityReason": "EnabledByPolicy"
    }))
    .expect("tap json")
}

pub fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ch(c: char) -> Msg {
    key(KeyCode::Char(c))
}

pub fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

pub fn reply(id: RequestId, response: GraphResponse) -> Msg {
    Msg::Graph(Box::new(Reply { id, response }))
}

thread_local! {
    /// The matcher of this test: the real engine, run in-process (each test has its own thread).
    static ENGINE: std::cell::RefCell<tapdesk::search::Engine> =
        std::cell::RefCell::new(tapdesk::search::Engine::new(vec!["contoso.example".into()]));
    static LATEST: std::cell::RefCell<Option<(u64, String, usize)>> = const { std::cell::RefCell::new(None) };
}

/// Sends `msg` and returns the commands, after playing the matcher worker's part: `Cmd::Match`
/// requests go to a real [`tapdesk::search::Engine`] and its answers come back as `Msg::Matched`
/// at once (extends re-answer the latest query, as the worker does).
pub fn send(model: &mut Model, msg: Msg) -> Vec<Cmd> {
    let cmds = update(model, msg, now());
    play(model, cmds)
}

/// Runs the `Cmd::Match` requests among `cmds` on this test's engine, feeds the answers back, and
/// returns the other commands.
pub fn play(model: &mut Model, cmds: Vec<Cmd>) -> Vec<Cmd> {
    let mut out = Vec::new();
    for cmd in cmds {
        let Cmd::Match(req) = cmd else {
            out.push(cmd);
            continue;
        };
        match req {
            tapdesk::search::MatchRequest::Extend(users) => ENGINE.with(|e| e.borrow_mut().extend(&users)),
            tapdesk::search::MatchRequest::OwnDomains(d) => {
                ENGINE.with(|e| *e.borrow_mut() = tapdesk::search::Engine::new(d))
            }
            tapdesk::search::MatchRequest::Clear => {
                ENGINE.with(|e| *e.borrow_mut() = tapdesk::search::Engine::new(vec!["contoso.example".into()]))
            }
            tapdesk::search::MatchRequest::Query { generation, text, limit } => {
                LATEST.with(|l| *l.borrow_mut() = Some((generation, text, limit)));
            }
        }
        if let Some((generation, text, limit)) = LATEST.with(|l| l.borrow().clone()) {
            let r = ENGINE.with(|e| e.borrow_mut().search(&text, limit, &|| false)).expect("not cancelled");
            let indexed = ENGINE.with(|e| e.borrow().len());
            let reply =
                tapdesk::search::MatchReply { generation, query: text, hits: r.hits, matched: r.matched, indexed };
            out.extend(send(model, Msg::Matched(reply)));
        }
    }
    out
}

pub fn type_str(model: &mut Model, s: &str) {
    for c in s.chars() {
        assert!(send(model, ch(c)).is_empty());
    }
}

/// The id of the only `Graph` command in `cmds` matching `pred`.
pub fn graph_id(cmds: &[Cmd], pred: impl Fn(&GraphRequest) -> bool) -> RequestId {
    let ids: Vec<RequestId> = cmds
        .iter()
        .filter_map(|c| match c {
            Cmd::Graph(id, r) | Cmd::Write { id, request: r, .. } if pred(r) => Some(*id),
            _ => None,
        })
        .collect();
    assert_eq!(ids.len(), 1, "expected one matching command in {cmds:?}");
    ids[0]
}

/// A model with the directory and the policy loaded (UTC, fixed clock).
pub fn loaded_model() -> Model {
    let mut m = Model::new(TimeZone::UTC, now());
    let cmds = init(&mut m);
    let cmds = play(&mut m, cmds);
    let users = graph_id(&cmds, |r| matches!(r, GraphRequest::LoadUsers));
    let pol = graph_id(&cmds, |r| matches!(r, GraphRequest::GetTapPolicy));
    let me = graph_id(&cmds, |r| matches!(r, GraphRequest::GetMe));
    send(&mut m, reply(users, GraphResponse::UsersPage { result: Ok(directory()), total: Some(6), done: true }));
    send(&mut m, reply(pol, GraphResponse::TapPolicy(Ok(policy()))));
    let dana = user("u-dana", "Dana Okafor", "dana.okafor@contoso.example");
    let cmds = send(&mut m, reply(me, GraphResponse::Me(Ok(dana))));
    let op = graph_id(&cmds, |r| matches!(r, GraphRequest::GetUserCard { user_id } if user_id == "u-dana"));
    send(
        &mut m,
        reply(op, GraphResponse::UserCard { user_id: "u-dana".into(), result: Ok(Box::new(operator_card())) }),
    );
    m
}

/// Avery's card: profile, manager, in TAP-Users.
pub fn avery_card() -> UserCard {
    let mut user = user("u-avery", "Avery Quinn", "avery.quinn@contoso.example");
    user.department = Some("Operations".into());
    user.office_location = Some("Oslo".into());
    user.employee_id = Some("E100002".into());
    user.account_enabled = Some(true);
    user.created_date_time = Some("2021-03-04T08:00:00Z".parse().expect("ts"));
    UserCard {
        user,
        manager: Some(self::user("u-mgr", "Maren Solberg", "maren.solberg@contoso.example")),
        member_of: vec![DirectoryObject {
            odata_type: "#microsoft.graph.group".into(),
            id: "g-tap-users".into(),
            display_name: Some("TAP-Users".into()),
            ..Default::default()
        }],
    }
}

/// The operator's card: Authentication Administrator.
pub fn operator_card() -> UserCard {
    UserCard {
        user: user("u-dana", "Dana Okafor", "dana.okafor@contoso.example"),
        manager: None,
        member_of: vec![DirectoryObject {
            odata_type: "#microsoft.graph.directoryRole".into(),
            id: "r-aa".into(),
            display_name: Some("Authentication Administrator".into()),
            role_template_id: Some("c4e39bd9-1100-46d3-8c65-fb160da0071f".into()),
            ..Default::default()
        }],
    }
}

/// `loaded_model`, then `/avery`, Enter, and her methods and card arrive.
pub fn avery_selected() -> Model {
    avery_selected_with(avery_methods())
}

/// [`avery_selected`] with Graph answering `methods` for her.
pub fn avery_selected_with(methods: Vec<AuthMethod>) -> Model {
    let mut m = loaded_model();
    send(&mut m, ch('/'));
    type_str(&mut m, "avery");
    let cmds = send(&mut m, key(KeyCode::Enter));
    let id = graph_id(&cmds, |r| matches!(r, GraphRequest::ListMethods { user_id } if user_id == "u-avery"));
    let card = graph_id(&cmds, |r| matches!(r, GraphRequest::GetUserCard { user_id } if user_id == "u-avery"));
    send(&mut m, reply(id, GraphResponse::Methods { user_id: "u-avery".into(), result: Ok(methods) }));
    send(
        &mut m,
        reply(card, GraphResponse::UserCard { user_id: "u-avery".into(), result: Ok(Box::new(avery_card())) }),
    );
    m
}

/// A credential that always returns the same bearer token (a simulator-minted one).
#[derive(Debug)]
pub struct StaticToken(pub String);

#[async_trait::async_trait]
impl azure_core::credentials::TokenCredential for StaticToken {
    async fn get_token(
        &self,
        _: &[&str],
        _: Option<azure_core::credentials::TokenRequestOptions<'_>>,
    ) -> azure_core::Result<azure_core::credentials::AccessToken> {
        Ok(azure_core::credentials::AccessToken::new(
            self.0.clone(),
            azure_core::time::OffsetDateTime::now_utc() + azure_core::time::Duration::hours(1),
        ))
    }
}

/// A model at the start of the in-TUI device-code sign-in (attempt 1 asked for), and its commands.
pub fn signing_in() -> (Model, Vec<Cmd>) {
    let mut m = Model::new(TimeZone::UTC, now());
    let signin = tapdesk::app::signin::SignIn::new("contoso.example", "tapdesk", "tapdesk-device");
    let cmds = tapdesk::app::start_sign_in(&mut m, signin);
    (m, cmds)
}

/// The credential's prompt as the simulator would give it: `user_code`, its `verification_uri`,
/// `expires_in` = 900 s from [`now`].
pub fn device_prompt(user_code: &str) -> tapdesk::auth::device_code::DeviceCodePrompt {
    tapdesk::auth::device_code::DeviceCodePrompt {
        verification_uri: "https://microsoft.com/devicelogin".into(),
        user_code: user_code.into(),
        message: Some(format!("To sign in, use a web browser to open the page and enter the code {user_code}.")),
        expires_at: now().checked_add(jiff::SignedDuration::from_secs(900)).expect("in range"),
        tenant: "contoso.example".into(),
        app_name: "tapdesk".into(),
        client_id: "tapdesk-device".into(),
    }
}

/// The worker's event carrying `event` for `attempt`.
pub fn prompt_event(attempt: u64, event: tapdesk::auth::device_code::PromptEvent) -> Msg {
    Msg::SignIn(tapdesk::auth::worker::SignInEvent::Prompt { attempt, event })
}

/// Who signed in, read from a fictional delegated token for Dana Okafor in contoso.example.
pub fn dana_signed_in() -> tapdesk::auth::SignedIn {
    use base64::Engine as _;
    let claims = serde_json::json!({
        "aud": "https://graph.microsoft.com", "tid": "9c0d1e2f-3a4b-4c6d-9e8f-9a0b1c2d3e11",
        "upn": "dana.okafor@contoso.example", "name": "Dana Okafor",
        "scp": "User.Read.All UserAuthenticationMethod.ReadWrite.All Policy.Read.All"
    });
    let jwt = format!("h.{}.s", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(claims.to_string()));
    tapdesk::auth::SignedIn::from_token(
        &jwt,
        tapdesk::auth::AuthMode::DeviceCode,
        &tapdesk::auth::Cloud::default(),
        Some("contoso.example"),
    )
    .expect("a token for Graph in this tenant")
}

/// Avery selected, `t`, Enter, and Graph's 201 with `pass` (method `tap-1`): the pass popup is
/// open. Returns the model and the commands that answer left (the confirming `ListTaps`, the
/// methods refresh, the audit line).
pub fn avery_pass_created(pass: &str) -> (Model, Vec<Cmd>) {
    let mut m = avery_selected();
    send(&mut m, ch('t'));
    let cmds = send(&mut m, key(KeyCode::Enter));
    let id = graph_id(&cmds, |r| matches!(r, GraphRequest::CreateTap { .. }));
    let cmds =
        send(&mut m, reply(id, GraphResponse::TapCreated { user_id: "u-avery".into(), result: Ok(created_tap(pass)) }));
    (m, cmds)
}
