//! The test bed as the Rust tests see it: its broker and its apiserver.

mod kafka;
mod kubernetes;
