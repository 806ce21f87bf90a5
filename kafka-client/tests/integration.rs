//! hello-kafka against the test bed's broker: authentication and topics.

mod auth;
mod topic;
