//! The two HTTP servers: public (the API) and admin (metrics and probes).

pub mod admin;
pub mod public;
pub mod router;
