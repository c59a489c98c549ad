//! `GET /users` (select, filter, search, count, orderby, paging), `GET /users/{id|upn}`, `/me`,
//! `/users/$count`, `/manager`, `/transitiveMemberOf`, `POST /revokeSignInSessions`.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Map, Value, json};

use super::{Action, Query, authorize, find_user, parse_select, users_context};
use crate::errors::ApiError;
use crate::http::{Caller, ReqCtx, json_response};
use crate::odata::{CmpOp, Filter, Lit, QueryError, parse_filter};
use crate::props::{self, FilterSupport};
use crate::search::{Search, parse_search};
use crate::state::{Shared, World};

const ADVANCED: &str = "is not supported because the required parameters might be missing. Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information";

fn eventual(headers: &HeaderMap) -> bool {
    headers
        .get("consistencylevel")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("eventual"))
}

fn search_error() -> ApiError {
    ApiError::unsupported_query(
        "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
    )
}

fn query_error(e: QueryError, what: &str) -> ApiError {
    let msg = match e {
        QueryError::Syntax(m) => format!("Invalid {what} clause: {m}"),
        QueryError::UnknownProperty(p) => {
            format!("Invalid {what} clause: Could not find a property named '{p}' on type 'microsoft.graph.user'.")
        }
    };
    ApiError::directory(StatusCode::BAD_REQUEST, "BadRequest", msg)
}

/// Everything that decides which users match, in request order.
struct Selection {
    filter: Option<Filter>,
    search: Option<Search>,
    order: Option<(&'static str, bool)>,
    signature: u32,
}

/// Validates `$filter`, `$search`, `$orderby` and the advanced-query rules.
fn selection(q: &Query, headers: &HeaderMap) -> Result<Selection, ApiError> {
    let eventual = eventual(headers);
    let advanced = eventual && q.get("$count").is_some_and(|c| c.eq_ignore_ascii_case("true"));
    let search = match q.get("$search") {
        Some(_) if !eventual => return Err(search_error()),
        Some(s) => Some(parse_search(s, &props::resolve).map_err(|e| query_error(e, "search"))?),
        None => None,
    };
    let filter = match q.get("$filter") {
        Some(f) => Some(parse_filter(f, &props::resolve).map_err(|e| query_error(e, "filter"))?),
        None => None,
    };
    if let Some(f) = &filter {
        let mut problem: Option<ApiError> = None;
        f.visit(&mut |node| {
            if problem.is_some() {
                return;
            }
            let (prop, op) = match node {
                Filter::Not(_) => ("", "not"),
                Filter::Cmp { prop, op: CmpOp::Ne, .. } => (*prop, "ne"),
                Filter::Cmp { prop, lit: Lit::Null, .. } => (*prop, "eq"),
                Filter::EndsWith { prop, .. } => (*prop, "endsWith"),
                Filter::StartsWith { prop, .. } if props::filter_support(prop) != FilterSupport::StartsWith => {
                    problem = Some(ApiError::unsupported_query(format!(
                        "Unsupported or invalid query filter clause specified for property '{prop}' of resource 'User'."
                    )));
                    return;
                }
                Filter::Cmp { prop, .. } | Filter::In { prop, .. }
                    if props::filter_support(prop) == FilterSupport::None =>
                {
                    problem = Some(ApiError::unsupported_query(format!(
                        "Unsupported or invalid query filter clause specified for property '{prop}' of resource 'User'."
                    )));
                    return;
                }
                _ => return,
            };
            let _ = prop;
            if !advanced {
                problem = Some(ApiError::unsupported_query(format!("Operator '{op}' {ADVANCED}")));
            }
        });
        if let Some(p) = problem {
            return Err(p);
        }
    }
    let order = match q.get("$orderby") {
        None => None,
        Some(o) => {
            let mut parts = o.split_whitespace();
            let prop = parts.next().and_then(props::resolve);
            let desc = match parts.next() {
                None => false,
                Some(d) if d.eq_ignore_ascii_case("asc") => false,
                Some(d) if d.eq_ignore_ascii_case("desc") => true,
                Some(_) => {
                    return Err(query_error(QueryError::Syntax(format!("'{o}' is not a valid $orderby.")), "orderby"));
                }
            };
            let sorting = || ApiError::unsupported_query("Sorting not supported for current query.");
            let prop = match prop {
                Some(p @ ("displayName" | "userPrincipalName")) => p,
                Some(p @ ("createdDateTime" | "mail" | "givenName" | "surname" | "employeeId")) if advanced => p,
                _ => return Err(sorting()),
            };
            if filter.is_some() && !advanced {
                return Err(sorting());
            }
            Some((prop, desc))
        }
    };
    let mut sig: u32 = 0x811c_9dc5;
    for part in ["$filter", "$search", "$orderby"].map(|k| q.get(k).unwrap_or("")) {
        for b in part.bytes().chain([0u8]) {
            sig = (sig ^ u32::from(b)).wrapping_mul(0x0100_0193);
        }
    }
    Ok(Selection { filter, search, order, signature: sig })
}

/// Indexes of matching users, ordered.
fn matching(w: &World, s: &Selection) -> Vec<usize> {
    let users = &w.tenant.users;
    let mut hits: Vec<usize> = (0..users.len())
        .filter(|&i| {
            let u = &users[i];
            s.filter.as_ref().is_none_or(|f| f.eval(&|p| props::prop_val(u, p)))
                && s.search.as_ref().is_none_or(|f| f.eval(&|p| props::search_vals(u, p)))
        })
        .collect();
    if let Some((prop, desc)) = s.order {
        let key = |i: &usize| props::value(&users[*i], prop, "").as_str().map(str::to_lowercase);
        hits.sort_by_cached_key(key);
        if desc {
            hits.reverse();
        }
    }
    hits
}

const TOKEN_MAGIC: &[u8] = b"DSpt";

fn encode_skiptoken(offset: usize, sig: u32) -> String {
    let mut b = TOKEN_MAGIC.to_vec();
    b.extend([2u8, 0]);
    b.extend((offset as u64).to_le_bytes());
    b.extend(sig.to_le_bytes());
    b.extend(b"user");
    STANDARD.encode(b)
}

fn decode_skiptoken(token: &str, sig: u32) -> Option<usize> {
    let b = STANDARD.decode(token.trim()).ok()?;
    if b.len() != 22 || &b[..4] != TOKEN_MAGIC || b[18..22] != *b"user" {
        return None;
    }
    let offset = u64::from_le_bytes(b[6..14].try_into().ok()?);
    let got = u32::from_le_bytes(b[14..18].try_into().ok()?);
    (got == sig).then_some(offset as usize)
}

/// `GET /users`.
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    Extension(ctx): Extension<ReqCtx>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let q = Query::parse(raw.as_deref())?;
    let top = match q.get("$top") {
        None => 100,
        Some(t) => match t.trim().parse::<u32>() {
            Ok(n @ 1..=999) => n as usize,
            _ => {
                return Err(ApiError::unsupported_query(format!(
                    "Invalid page size specified: '{t}'. Must be between 1 and 999 inclusive."
                )));
            }
        },
    };
    let select = parse_select(&q)?;
    let sel = selection(&q, &headers)?;
    let offset = match q.get("$skiptoken") {
        None => 0,
        Some(t) => decode_skiptoken(t, sel.signature).ok_or_else(|| {
            ApiError::directory(
                StatusCode::BAD_REQUEST,
                "Request_BadRequest",
                "The specified page token value is invalid.",
            )
        })?,
    };
    let count = offset == 0 && eventual(&headers) && q.get("$count").is_some_and(|c| c.eq_ignore_ascii_case("true"));
    // The lock is released before the (optional) page latency is waited out.
    let (body, delay) = {
        let w = shared.lock();
        let hits = matching(&w, &sel);
        let page: Vec<Value> = hits
            .iter()
            .skip(offset)
            .take(top)
            .map(|&i| Value::Object(props::user_json(w.user(i), select.as_deref(), &w.tenant.domain)))
            .collect();
        let mut body = Map::new();
        body.insert("@odata.context".into(), Value::from(ctx.context(&users_context(select.as_deref()))));
        if count {
            body.insert("@odata.count".into(), Value::from(hits.len()));
        }
        if offset + top < hits.len() {
            let mut parts = q.raw_without("$skiptoken");
            let token = format!(
                "$skiptoken={}",
                utf8_percent_encode(&encode_skiptoken(offset + top, sel.signature), NON_ALPHANUMERIC)
            );
            parts.push(&token);
            body.insert(
                "@odata.nextLink".into(),
                Value::from(format!("{}/users?{}", ctx.graph_base(), parts.join("&"))),
            );
        }
        let delay = match (&sel.filter, &sel.search, w.page_latency) {
            (None, None, Some(latency)) => Some(latency.for_page(page.len())),
            _ => None,
        };
        body.insert("value".into(), Value::Array(page));
        (body, delay)
    };
    if let Some(d) = delay {
        tokio::time::sleep(d).await;
    }
    Ok(json_response(StatusCode::OK, &Value::Object(body)))
}

/// `GET /users/{id | userPrincipalName}` (also `/me`, `/users('key')`, and `/users/$count`).
pub(crate) async fn get_one(
    State(shared): State<Arc<Shared>>,
    Extension(ctx): Extension<ReqCtx>,
    Path(key): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let q = Query::parse(raw.as_deref())?;
    if key == "$count" {
        if !eventual(&headers) {
            return Err(ApiError::directory(
                StatusCode::BAD_REQUEST,
                "Request_BadRequest",
                "$count is not currently supported.",
            ));
        }
        let sel = selection(&q, &headers)?;
        let n = matching(&shared.lock(), &sel).len();
        let mut resp = (StatusCode::OK, n.to_string()).into_response();
        resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain;charset=utf-8"));
        return Ok(resp);
    }
    let select = parse_select(&q)?;
    let w = shared.lock();
    let i = find_user(&w, &key)?;
    let mut body = props::user_json(w.user(i), select.as_deref(), &w.tenant.domain);
    let what = format!("{}/$entity", users_context(select.as_deref()));
    body.insert("@odata.context".into(), Value::from(ctx.context(&what)));
    Ok(json_response(StatusCode::OK, &Value::Object(body)))
}

/// `GET /users/{id}/manager`.
pub(crate) async fn manager(
    State(shared): State<Arc<Shared>>,
    Extension(ctx): Extension<ReqCtx>,
    Path(key): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let q = Query::parse(raw.as_deref())?;
    let select = parse_select(&q)?;
    let w = shared.lock();
    let i = find_user(&w, &key)?;
    let mgr = w
        .user(i)
        .manager_id
        .as_deref()
        .and_then(|m| w.find_user(m))
        .ok_or_else(|| ApiError::user_not_found("manager"))?;
    let mut body = props::user_json(w.user(mgr), select.as_deref(), &w.tenant.domain);
    body.insert("@odata.context".into(), Value::from(ctx.context("directoryObjects/$entity")));
    body.insert("@odata.type".into(), Value::from("#microsoft.graph.user"));
    Ok(json_response(StatusCode::OK, &Value::Object(body)))
}

/// `GET /users/{id}/transitiveMemberOf`: groups (nested included) and directory roles.
pub(crate) async fn transitive_member_of(
    State(shared): State<Arc<Shared>>,
    Extension(ctx): Extension<ReqCtx>,
    Path(key): Path<String>,
) -> Result<Response, ApiError> {
    let w = shared.lock();
    let i = find_user(&w, &key)?;
    let uid = w.user(i).id.clone();
    let mut value: Vec<Value> = w
        .transitive_groups(&uid)
        .into_iter()
        .map(|g| {
            let g = &w.tenant.groups[g];
            json!({
                "@odata.type": "#microsoft.graph.group", "id": g.id, "displayName": g.display_name,
                "description": null, "groupTypes": [], "mailEnabled": false, "securityEnabled": true,
                "isAssignableToRole": g.is_assignable_to_role,
            })
        })
        .collect();
    value.extend(w.roles_of(&uid).into_iter().map(|r| {
        let r = &w.tenant.roles[r];
        json!({
            "@odata.type": "#microsoft.graph.directoryRole", "id": r.id, "displayName": r.display_name,
            "description": null, "roleTemplateId": r.role_template_id,
        })
    }));
    let body = json!({"@odata.context": ctx.context("directoryObjects"), "value": value});
    Ok(json_response(StatusCode::OK, &body))
}

/// `POST /users/{id}/revokeSignInSessions`: 200 `{"value": true}` (or 204 by setting).
pub(crate) async fn revoke(
    State(shared): State<Arc<Shared>>,
    Extension(ctx): Extension<ReqCtx>,
    Extension(caller): Extension<Caller>,
    Path(key): Path<String>,
) -> Result<Response, ApiError> {
    let mut w = shared.lock();
    let i = find_user(&w, &key)?;
    authorize(&w, &caller, Some(i), Action::Revoke)?;
    let now = w.now();
    w.user_mut(i).sign_in_sessions_valid_from_date_time = Some(now);
    if w.tenant.settings.revoke_returns_no_content {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let body = json!({"@odata.context": ctx.context("Edm.Boolean"), "value": true});
    Ok(json_response(StatusCode::OK, &body))
}
