//! Control plane for trading bots: HTTPS dashboard, Vault broker, container runtime and CLI.

pub mod alerts;
pub mod audit;
pub mod auth;
pub mod bots;
pub mod cli;
pub mod clock;
pub mod config;
pub mod devstack;
pub mod domain;
pub mod fills;
pub mod markets;
pub mod presets;
pub mod private_file;
pub mod runtime;
pub mod store;
pub mod telemetry;
pub mod tls;
pub mod vault;
pub mod web;
