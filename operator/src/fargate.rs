//! The EKS Fargate profile check: does a profile select the namespace and
//! labels of a `compute: fargate` HelloApi's pods? Without one they stay
//! Pending forever, which users used to discover by hand.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use aws_sdk_eks::Client;
use tokio::sync::Mutex;

/// One selector of a Fargate profile: a namespace pattern and labels.
#[derive(Clone, Debug, PartialEq)]
pub struct Selector {
    pub namespace: String,
    pub labels: BTreeMap<String, String>,
}

/// A Fargate profile, as far as matching goes.
#[derive(Clone, Debug, PartialEq)]
pub struct Profile {
    pub name: String,
    pub selectors: Vec<Selector>,
}

/// The answer for one set of pods.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// The named profile selects the pods.
    Matched(String),
    /// No profile selects them.
    Unmatched,
    /// The EKS API could not be asked.
    Unknown(String),
}

/// The first profile that selects pods in `namespace` carrying `labels`.
pub fn matching_profile<'a>(
    profiles: &'a [Profile],
    namespace: &str,
    labels: &BTreeMap<String, String>,
) -> Option<&'a str> {
    profiles
        .iter()
        .find(|p| {
            p.selectors.iter().any(|s| {
                glob(&s.namespace, namespace)
                    && s.labels
                        .iter()
                        .all(|(k, v)| labels.get(k).is_some_and(|l| glob(v, l)))
            })
        })
        .map(|p| p.name.as_str())
}

/// EKS selectors accept `*` (any run) and `?` (one character) wildcards.
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// The cluster's Fargate profiles, listed through the EKS API and cached for
/// `ttl`, so a thousand HelloApis cost one listing per TTL, not a thousand.
pub struct FargateProfiles {
    client: Client,
    cluster: String,
    ttl: Duration,
    cache: Mutex<Option<(Instant, Vec<Profile>)>>,
}

impl FargateProfiles {
    pub fn new(client: Client, cluster: &str, ttl: Duration) -> FargateProfiles {
        FargateProfiles {
            client,
            cluster: cluster.to_string(),
            ttl,
            cache: Mutex::new(None),
        }
    }

    /// Whether a profile selects pods in `namespace` with `labels`. EKS errors
    /// become [`Verdict::Unknown`], never a failed reconcile.
    pub async fn check(&self, namespace: &str, labels: &BTreeMap<String, String>) -> Verdict {
        match self.profiles().await {
            Ok(profiles) => match matching_profile(&profiles, namespace, labels) {
                Some(name) => Verdict::Matched(name.to_string()),
                None => Verdict::Unmatched,
            },
            Err(err) => Verdict::Unknown(err),
        }
    }

    async fn profiles(&self) -> Result<Vec<Profile>, String> {
        let mut cache = self.cache.lock().await;
        if let Some((fetched, profiles)) = cache.as_ref()
            && fetched.elapsed() < self.ttl
        {
            return Ok(profiles.clone());
        }
        let profiles = self.fetch().await?;
        *cache = Some((Instant::now(), profiles.clone()));
        Ok(profiles)
    }

    async fn fetch(&self) -> Result<Vec<Profile>, String> {
        let describe_error =
            |e: &dyn std::fmt::Display| format!("EKS cluster {}: {e}", self.cluster);
        let mut names = Vec::new();
        let mut pages = self
            .client
            .list_fargate_profiles()
            .cluster_name(&self.cluster)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page =
                page.map_err(|e| describe_error(&aws_sdk_eks::error::DisplayErrorContext(e)))?;
            names.extend(page.fargate_profile_names.unwrap_or_default());
        }
        let mut profiles = Vec::with_capacity(names.len());
        for name in names {
            let described = self
                .client
                .describe_fargate_profile()
                .cluster_name(&self.cluster)
                .fargate_profile_name(&name)
                .send()
                .await
                .map_err(|e| describe_error(&aws_sdk_eks::error::DisplayErrorContext(e)))?;
            let selectors = described
                .fargate_profile
                .and_then(|p| p.selectors)
                .unwrap_or_default()
                .into_iter()
                .map(|s| Selector {
                    namespace: s.namespace.unwrap_or_default(),
                    labels: s.labels.unwrap_or_default().into_iter().collect(),
                })
                .collect();
            profiles.push(Profile { name, selectors });
        }
        Ok(profiles)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(name: &str, namespace: &str, labels: &[(&str, &str)]) -> Profile {
        Profile {
            name: name.into(),
            selectors: vec![Selector {
                namespace: namespace.into(),
                labels: labels
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            }],
        }
    }

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_profile_matches_on_namespace_and_every_selector_label() {
        let profiles = [profile(
            "hello",
            "shop",
            &[("hello.dev/compute", "fargate")],
        )];
        let pod = labels(&[("hello.dev/compute", "fargate"), ("app", "x")]);
        assert_eq!(matching_profile(&profiles, "shop", &pod), Some("hello"));
        assert_eq!(
            matching_profile(&profiles, "other", &pod),
            None,
            "wrong namespace"
        );
        assert_eq!(
            matching_profile(&profiles, "shop", &labels(&[("app", "x")])),
            None,
            "label missing"
        );
    }

    #[test]
    fn namespace_and_label_values_accept_wildcards() {
        let profiles = [profile(
            "team",
            "team-*",
            &[("hello.dev/compute", "farg?te")],
        )];
        let pod = labels(&[("hello.dev/compute", "fargate")]);
        assert_eq!(matching_profile(&profiles, "team-a", &pod), Some("team"));
        assert_eq!(matching_profile(&profiles, "teams", &pod), None);
        assert!(glob("*", ""));
        assert!(glob("a*b*c", "axxbyyc"));
        assert!(!glob("a*b", "axxc"));
    }
}
