//! The `HelloApi` custom resource.
//!
//! Only the API group coordinates live here so far; the spec types and the
//! generated CRD arrive with the CRD issue (#3).

/// API group of every resource this project defines.
pub const GROUP: &str = "hello.dev";
/// Served and stored version.
pub const VERSION: &str = "v1alpha1";
/// Kind of the custom resource.
pub const KIND: &str = "HelloApi";
