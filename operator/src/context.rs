//! State shared by every reconcile: the client, one event recorder, and the
//! default images.

use kube::Client;
use kube::runtime::events::{Recorder, Reporter};

use std::sync::Arc;

use crate::build::DefaultImages;
use crate::fargate::FargateProfiles;
use crate::metrics::Metrics;

/// The field manager of every server-side apply; one owner for all fields.
pub const FIELD_MANAGER: &str = "hello-operator";

pub struct Context {
    pub client: Client,
    pub recorder: Recorder,
    pub images: DefaultImages,
    pub metrics: Arc<Metrics>,
    /// Set with `--eks-cluster-name`: checks Fargate profiles for `compute: fargate`.
    pub fargate: Option<FargateProfiles>,
}

impl Context {
    /// Adds the Fargate profile check.
    pub fn with_fargate(mut self, fargate: FargateProfiles) -> Context {
        self.fargate = Some(fargate);
        self
    }

    pub fn new(client: Client, images: DefaultImages, instance: Option<String>) -> Context {
        let reporter = Reporter {
            controller: FIELD_MANAGER.to_string(),
            instance,
        };
        Context {
            recorder: Recorder::new(client.clone(), reporter),
            client,
            images,
            metrics: Arc::default(),
            fargate: None,
        }
    }
}
