//! Service `<name>`: port 80 to the API's main port 8080. The admin port is
//! deliberately not exposed.

use k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::metadata::{API_COMPONENT, Owner};

pub fn build(owner: &Owner) -> Service {
    Service {
        metadata: owner.child_meta(&owner.name),
        spec: Some(ServiceSpec {
            selector: Some(owner.selector(API_COMPONENT)),
            ports: Some(vec![ServicePort {
                name: Some("http".to_string()),
                port: 80,
                target_port: Some(IntOrString::String("http".to_string())),
                protocol: Some("TCP".to_string()),
                ..ServicePort::default()
            }]),
            ..ServiceSpec::default()
        }),
        ..Service::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::fixtures::{MINIMAL, helloapi, owner_of};

    #[test]
    fn publishes_port_80_to_the_main_port_only() {
        let api = helloapi(MINIMAL);
        let spec = build(&owner_of(&api)).spec.unwrap();
        let ports = spec.ports.unwrap();
        assert_eq!(ports.len(), 1, "the admin port must not be exposed");
        assert_eq!(ports[0].port, 80);
        assert_eq!(
            ports[0].target_port,
            Some(IntOrString::String("http".into()))
        );
        assert_eq!(spec.selector.unwrap()["app.kubernetes.io/name"], "api");
    }
}
