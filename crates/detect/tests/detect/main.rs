//! The detect crate's integration tests: Sigma conformance, the SigmaHQ corpus (when
//! `../shared/sigmahq` exists), and a differential test against pySigma (when python3 can import
//! `sigma`).

mod conformance;
mod corpus;
mod errors;
mod filters;
mod helpers;
mod pysigma;
mod regression;
mod typed;
