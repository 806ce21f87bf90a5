//! `hello-operator crd` prints exactly the committed `crds/helloapi.yaml`.

use std::process::Command;

#[test]
fn crd_subcommand_prints_the_committed_crd() {
    let output = Command::new(env!("CARGO_BIN_EXE_hello-operator"))
        .arg("crd")
        .output()
        .expect("run hello-operator crd");
    assert!(output.status.success(), "exit status {}", output.status);
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../crds/helloapi.yaml"
    ))
    .expect("crds/helloapi.yaml");
    assert!(
        String::from_utf8_lossy(&output.stdout) == committed,
        "crds/helloapi.yaml differs from `hello-operator crd`; regenerate it"
    );
}
