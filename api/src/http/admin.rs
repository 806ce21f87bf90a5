//! The API's admin endpoints (hello-process serves them): its metrics, and
//! ready once a configuration is loaded and until shutdown begins.

use hello_process::admin::AdminEndpoints;

use crate::state::AppState;

impl AdminEndpoints for AppState {
    fn metrics(&self) -> String {
        self.metrics.render()
    }

    fn readiness(&self) -> Result<(), String> {
        AppState::readiness(self).map_err(str::to_string)
    }
}
