//! State shared by every reconcile: the client, one event recorder, and the
//! default images.

use kube::Client;
use kube::runtime::events::{Recorder, Reporter};

use crate::build::DefaultImages;

/// The field manager of every server-side apply; one owner for all fields.
pub const FIELD_MANAGER: &str = "hello-operator";

pub struct Context {
    pub client: Client,
    pub recorder: Recorder,
    pub images: DefaultImages,
}

impl Context {
    pub fn new(client: Client, images: DefaultImages, instance: Option<String>) -> Context {
        let reporter = Reporter {
            controller: FIELD_MANAGER.to_string(),
            instance,
        };
        Context {
            recorder: Recorder::new(client.clone(), reporter),
            client,
            images,
        }
    }
}
