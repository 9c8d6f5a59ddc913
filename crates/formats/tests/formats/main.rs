//! The formats crate's integration tests: one module per format.

mod coredns;
mod ecs;
mod route53;
mod sensors;
mod suricata;
mod zeek;
