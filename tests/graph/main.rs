//! The Graph layer over real HTTP: tapdesk's client, sign-in credentials and workers against the
//! simulator on 127.0.0.1:0, the simulator's own behaviour (paging, headers, errors, the TAP
//! rules), and Microsoft's example payloads (`tests/fixtures/graph/`) parsed into our types.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests may panic

#[path = "../support/common.rs"]
mod common;
#[path = "../support/sim.rs"]
mod sim;

mod auth_app_only;
mod auth_azure_cli;
mod auth_client_certificate;
mod auth_device_code;
mod auth_managed_identity_app_service;
mod auth_signin_worker;
mod auth_sim_sts;
mod client_http;
mod doctor_sim;
mod graph_examples;
mod preflight_sim;
mod search_worker;
mod sim_control;
mod sim_http;
mod sim_shapes;
mod sim_tap;
