//! PodDisruptionBudget `<name>`, only with more than one replica: a drain
//! then never takes every API pod at once.

use hello_crds::HelloApi;
use k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::metadata::{API_COMPONENT, Owner};

pub fn build(api: &HelloApi, owner: &Owner) -> Option<PodDisruptionBudget> {
    (api.spec.replicas > 1).then(|| PodDisruptionBudget {
        metadata: owner.child_meta(&owner.name),
        spec: Some(PodDisruptionBudgetSpec {
            max_unavailable: Some(IntOrString::Int(1)),
            selector: Some(LabelSelector {
                match_labels: Some(owner.selector(API_COMPONENT)),
                ..LabelSelector::default()
            }),
            ..PodDisruptionBudgetSpec::default()
        }),
        ..PodDisruptionBudget::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::fixtures::{MINIMAL, helloapi, owner_of};

    #[test]
    fn exists_only_with_more_than_one_replica() {
        let mut api = helloapi(MINIMAL);
        let owner = owner_of(&api);
        api.spec.replicas = 2;
        let pdb = build(&api, &owner).expect("a PDB for 2 replicas");
        assert_eq!(pdb.spec.unwrap().max_unavailable, Some(IntOrString::Int(1)));
        api.spec.replicas = 1;
        assert!(build(&api, &owner).is_none());
    }
}
