//! Ingress `<name>` for the AWS Load Balancer Controller: an ALB in front of the
//! Service's port 80. Only the main port is routed, never the admin port.

use std::collections::BTreeMap;

use hello_crds::HelloApi;
use k8s_openapi::api::networking::v1::{
    HTTPIngressPath, HTTPIngressRuleValue, Ingress, IngressBackend, IngressRule,
    IngressServiceBackend, IngressSpec, ServiceBackendPort,
};

use super::deployment::DRAIN_SECONDS;
use super::metadata::Owner;

const ALB: &str = "alb.ingress.kubernetes.io";

pub fn build(api: &HelloApi, owner: &Owner) -> Option<Ingress> {
    let spec = &api.spec.ingress;
    if !spec.enabled {
        return None;
    }
    let mut annotations = BTreeMap::from([
        // Fargate pods have no node port to target: the ALB must target pod IPs.
        (format!("{ALB}/target-type"), "ip".to_string()),
        (format!("{ALB}/scheme"), spec.scheme.as_str().to_string()),
        (
            format!("{ALB}/healthcheck-path"),
            "/healthcheck".to_string(),
        ),
        // A deregistered pod keeps serving for DRAIN_SECONDS after SIGTERM;
        // the target group drains no longer than that (the default is 300 s,
        // which only slows every rollout down).
        (
            format!("{ALB}/target-group-attributes"),
            format!("deregistration_delay.timeout_seconds={DRAIN_SECONDS}"),
        ),
    ]);
    if spec.certificate_arn.is_empty() {
        annotations.insert(
            format!("{ALB}/listen-ports"),
            r#"[{"HTTP": 80}]"#.to_string(),
        );
    } else {
        annotations.insert(
            format!("{ALB}/certificate-arn"),
            spec.certificate_arn.clone(),
        );
        annotations.insert(
            format!("{ALB}/listen-ports"),
            r#"[{"HTTP": 80}, {"HTTPS": 443}]"#.to_string(),
        );
        annotations.insert(format!("{ALB}/ssl-redirect"), "443".to_string());
    }
    // The user's annotations win: they are the escape hatch for WAF, logs, etc.
    annotations.extend(spec.annotations.clone());

    let mut metadata = owner.child_meta(&owner.name);
    metadata.annotations = Some(annotations);
    let backend = IngressBackend {
        service: Some(IngressServiceBackend {
            name: owner.name.clone(),
            port: Some(ServiceBackendPort {
                name: Some("http".to_string()),
                ..ServiceBackendPort::default()
            }),
        }),
        ..IngressBackend::default()
    };
    Some(Ingress {
        metadata,
        spec: Some(IngressSpec {
            ingress_class_name: Some(spec.class_name.clone()),
            rules: Some(vec![IngressRule {
                host: (!spec.host.is_empty()).then(|| spec.host.clone()),
                http: Some(HTTPIngressRuleValue {
                    paths: vec![HTTPIngressPath {
                        path: Some("/".to_string()),
                        path_type: "Prefix".to_string(),
                        backend,
                    }],
                }),
            }]),
            ..IngressSpec::default()
        }),
        ..Ingress::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::fixtures::{FULL, MINIMAL, helloapi, owner_of};

    fn annotations(ingress: &Ingress) -> &BTreeMap<String, String> {
        ingress.metadata.annotations.as_ref().unwrap()
    }

    #[test]
    fn targets_pod_ips_and_health_checks_healthcheck() {
        let api = helloapi(MINIMAL);
        let ingress = build(&api, &owner_of(&api)).unwrap();
        let a = annotations(&ingress);
        assert_eq!(a["alb.ingress.kubernetes.io/target-type"], "ip");
        assert_eq!(a["alb.ingress.kubernetes.io/scheme"], "internet-facing");
        assert_eq!(
            a["alb.ingress.kubernetes.io/healthcheck-path"],
            "/healthcheck"
        );
        assert_eq!(
            a["alb.ingress.kubernetes.io/listen-ports"],
            r#"[{"HTTP": 80}]"#
        );
        assert!(!a.contains_key("alb.ingress.kubernetes.io/ssl-redirect"));
        assert_eq!(
            a["alb.ingress.kubernetes.io/target-group-attributes"],
            "deregistration_delay.timeout_seconds=15",
            "the ALB drains no longer than the pod keeps serving"
        );
        let spec = ingress.spec.unwrap();
        assert_eq!(spec.ingress_class_name.as_deref(), Some("alb"));
        let rule = &spec.rules.unwrap()[0];
        assert_eq!(rule.host, None);
        let port = rule.http.as_ref().unwrap().paths[0]
            .backend
            .service
            .as_ref()
            .unwrap()
            .port
            .clone();
        assert_eq!(
            port.unwrap().name.as_deref(),
            Some("http"),
            "only the main port is routed"
        );
    }

    #[test]
    fn a_certificate_adds_https_and_a_redirect() {
        let api = helloapi(FULL);
        let ingress = build(&api, &owner_of(&api)).unwrap();
        let a = annotations(&ingress);
        assert_eq!(
            a["alb.ingress.kubernetes.io/listen-ports"],
            r#"[{"HTTP": 80}, {"HTTPS": 443}]"#
        );
        assert_eq!(a["alb.ingress.kubernetes.io/ssl-redirect"], "443");
        assert_eq!(a["alb.ingress.kubernetes.io/scheme"], "internal");
        assert_eq!(
            a["alb.ingress.kubernetes.io/wafv2-acl-arn"], "waf",
            "user annotations are kept"
        );
        assert_eq!(
            ingress.spec.unwrap().rules.unwrap()[0].host.as_deref(),
            Some("api.example.com")
        );
    }

    #[test]
    fn disabled_means_no_ingress() {
        let mut api = helloapi(MINIMAL);
        api.spec.ingress.enabled = false;
        assert!(build(&api, &owner_of(&api)).is_none());
    }
}
